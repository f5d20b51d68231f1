"use strict";(()=>{var z=globalThis,U=z.ShadowRoot&&(z.ShadyCSS===void 0||z.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,V=Symbol(),de=new WeakMap,P=class{constructor(i,t,e){if(this._$cssResult$=!0,e!==V)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=i,this.t=t}get styleSheet(){let i=this.o,t=this.t;if(U&&i===void 0){let e=t!==void 0&&t.length===1;e&&(i=de.get(t)),i===void 0&&((this.o=i=new CSSStyleSheet).replaceSync(this.cssText),e&&de.set(t,i))}return i}toString(){return this.cssText}},le=a=>new P(typeof a=="string"?a:a+"",void 0,V),j=(a,...i)=>{let t=a.length===1?a[0]:i.reduce((e,s,n)=>e+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+a[n+1],a[0]);return new P(t,a,V)},ce=(a,i)=>{if(U)a.adoptedStyleSheets=i.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of i){let e=document.createElement("style"),s=z.litNonce;s!==void 0&&e.setAttribute("nonce",s),e.textContent=t.cssText,a.appendChild(e)}},W=U?a=>a:a=>a instanceof CSSStyleSheet?(i=>{let t="";for(let e of i.cssRules)t+=e.cssText;return le(t)})(a):a;var{is:Le,defineProperty:De,getOwnPropertyDescriptor:He,getOwnPropertyNames:Me,getOwnPropertySymbols:Oe,getPrototypeOf:ze}=Object,q=globalThis,pe=q.trustedTypes,Ue=pe?pe.emptyScript:"",qe=q.reactiveElementPolyfillSupport,N=(a,i)=>a,Z={toAttribute(a,i){switch(i){case Boolean:a=a?Ue:null;break;case Object:case Array:a=a==null?a:JSON.stringify(a)}return a},fromAttribute(a,i){let t=a;switch(i){case Boolean:t=a!==null;break;case Number:t=a===null?null:Number(a);break;case Object:case Array:try{t=JSON.parse(a)}catch{t=null}}return t}},ue=(a,i)=>!Le(a,i),he={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:ue};Symbol.metadata??=Symbol("metadata"),q.litPropertyMetadata??=new WeakMap;var y=class extends HTMLElement{static addInitializer(i){this._$Ei(),(this.l??=[]).push(i)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(i,t=he){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(i)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(i,t),!t.noAccessor){let e=Symbol(),s=this.getPropertyDescriptor(i,e,t);s!==void 0&&De(this.prototype,i,s)}}static getPropertyDescriptor(i,t,e){let{get:s,set:n}=He(this.prototype,i)??{get(){return this[t]},set(r){this[t]=r}};return{get:s,set(r){let c=s?.call(this);n?.call(this,r),this.requestUpdate(i,c,e)},configurable:!0,enumerable:!0}}static getPropertyOptions(i){return this.elementProperties.get(i)??he}static _$Ei(){if(this.hasOwnProperty(N("elementProperties")))return;let i=ze(this);i.finalize(),i.l!==void 0&&(this.l=[...i.l]),this.elementProperties=new Map(i.elementProperties)}static finalize(){if(this.hasOwnProperty(N("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(N("properties"))){let t=this.properties,e=[...Me(t),...Oe(t)];for(let s of e)this.createProperty(s,t[s])}let i=this[Symbol.metadata];if(i!==null){let t=litPropertyMetadata.get(i);if(t!==void 0)for(let[e,s]of t)this.elementProperties.set(e,s)}this._$Eh=new Map;for(let[t,e]of this.elementProperties){let s=this._$Eu(t,e);s!==void 0&&this._$Eh.set(s,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(i){let t=[];if(Array.isArray(i)){let e=new Set(i.flat(1/0).reverse());for(let s of e)t.unshift(W(s))}else i!==void 0&&t.push(W(i));return t}static _$Eu(i,t){let e=t.attribute;return e===!1?void 0:typeof e=="string"?e:typeof i=="string"?i.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(i=>this.enableUpdating=i),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(i=>i(this))}addController(i){(this._$EO??=new Set).add(i),this.renderRoot!==void 0&&this.isConnected&&i.hostConnected?.()}removeController(i){this._$EO?.delete(i)}_$E_(){let i=new Map,t=this.constructor.elementProperties;for(let e of t.keys())this.hasOwnProperty(e)&&(i.set(e,this[e]),delete this[e]);i.size>0&&(this._$Ep=i)}createRenderRoot(){let i=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return ce(i,this.constructor.elementStyles),i}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(i=>i.hostConnected?.())}enableUpdating(i){}disconnectedCallback(){this._$EO?.forEach(i=>i.hostDisconnected?.())}attributeChangedCallback(i,t,e){this._$AK(i,e)}_$ET(i,t){let e=this.constructor.elementProperties.get(i),s=this.constructor._$Eu(i,e);if(s!==void 0&&e.reflect===!0){let n=(e.converter?.toAttribute!==void 0?e.converter:Z).toAttribute(t,e.type);this._$Em=i,n==null?this.removeAttribute(s):this.setAttribute(s,n),this._$Em=null}}_$AK(i,t){let e=this.constructor,s=e._$Eh.get(i);if(s!==void 0&&this._$Em!==s){let n=e.getPropertyOptions(s),r=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:Z;this._$Em=s;let c=r.fromAttribute(t,n.type);this[s]=c??this._$Ej?.get(s)??c,this._$Em=null}}requestUpdate(i,t,e,s=!1,n){if(i!==void 0){let r=this.constructor;if(s===!1&&(n=this[i]),e??=r.getPropertyOptions(i),!((e.hasChanged??ue)(n,t)||e.useDefault&&e.reflect&&n===this._$Ej?.get(i)&&!this.hasAttribute(r._$Eu(i,e))))return;this.C(i,t,e)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(i,t,{useDefault:e,reflect:s,wrapped:n},r){e&&!(this._$Ej??=new Map).has(i)&&(this._$Ej.set(i,r??t??this[i]),n!==!0||r!==void 0)||(this._$AL.has(i)||(this.hasUpdated||e||(t=void 0),this._$AL.set(i,t)),s===!0&&this._$Em!==i&&(this._$Eq??=new Set).add(i))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let i=this.scheduleUpdate();return i!=null&&await i,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,n]of this._$Ep)this[s]=n;this._$Ep=void 0}let e=this.constructor.elementProperties;if(e.size>0)for(let[s,n]of e){let{wrapped:r}=n,c=this[s];r!==!0||this._$AL.has(s)||c===void 0||this.C(s,void 0,n,c)}}let i=!1,t=this._$AL;try{i=this.shouldUpdate(t),i?(this.willUpdate(t),this._$EO?.forEach(e=>e.hostUpdate?.()),this.update(t)):this._$EM()}catch(e){throw i=!1,this._$EM(),e}i&&this._$AE(t)}willUpdate(i){}_$AE(i){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(i)),this.updated(i)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(i){return!0}update(i){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(i){}firstUpdated(i){}};y.elementStyles=[],y.shadowRootOptions={mode:"open"},y[N("elementProperties")]=new Map,y[N("finalized")]=new Map,qe?.({ReactiveElement:y}),(q.reactiveElementVersions??=[]).push("2.1.2");var ee=globalThis,me=a=>a,B=ee.trustedTypes,ge=B?B.createPolicy("lit-html",{createHTML:a=>a}):void 0,_e="$lit$",_=`lit$${Math.random().toFixed(9).slice(2)}$`,we="?"+_,Be=`<${we}>`,E=document,D=()=>E.createComment(""),H=a=>a===null||typeof a!="object"&&typeof a!="function",te=Array.isArray,Fe=a=>te(a)||typeof a?.[Symbol.iterator]=="function",J=`[ 	
\f\r]`,L=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ve=/-->/g,be=/>/g,k=RegExp(`>|${J}(?:([^\\s"'>=/]+)(${J}*=${J}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),fe=/'/g,ye=/"/g,ke=/^(?:script|style|textarea|title)$/i,ie=a=>(i,...t)=>({_$litType$:a,strings:i,values:t}),o=ie(1),Se=ie(2),it=ie(3),A=Symbol.for("lit-noChange"),d=Symbol.for("lit-nothing"),$e=new WeakMap,S=E.createTreeWalker(E,129);function Ee(a,i){if(!te(a)||!a.hasOwnProperty("raw"))throw Error("invalid template strings array");return ge!==void 0?ge.createHTML(i):i}var Ie=(a,i)=>{let t=a.length-1,e=[],s,n=i===2?"<svg>":i===3?"<math>":"",r=L;for(let c=0;c<t;c++){let l=a[c],h,m,p=-1,u=0;for(;u<l.length&&(r.lastIndex=u,m=r.exec(l),m!==null);)u=r.lastIndex,r===L?m[1]==="!--"?r=ve:m[1]!==void 0?r=be:m[2]!==void 0?(ke.test(m[2])&&(s=RegExp("</"+m[2],"g")),r=k):m[3]!==void 0&&(r=k):r===k?m[0]===">"?(r=s??L,p=-1):m[1]===void 0?p=-2:(p=r.lastIndex-m[2].length,h=m[1],r=m[3]===void 0?k:m[3]==='"'?ye:fe):r===ye||r===fe?r=k:r===ve||r===be?r=L:(r=k,s=void 0);let v=r===k&&a[c+1].startsWith("/>")?" ":"";n+=r===L?l+Be:p>=0?(e.push(h),l.slice(0,p)+_e+l.slice(p)+_+v):l+_+(p===-2?c:v)}return[Ee(a,n+(a[t]||"<?>")+(i===2?"</svg>":i===3?"</math>":"")),e]},M=class a{constructor({strings:i,_$litType$:t},e){let s;this.parts=[];let n=0,r=0,c=i.length-1,l=this.parts,[h,m]=Ie(i,t);if(this.el=a.createElement(h,e),S.currentNode=this.el.content,t===2||t===3){let p=this.el.content.firstChild;p.replaceWith(...p.childNodes)}for(;(s=S.nextNode())!==null&&l.length<c;){if(s.nodeType===1){if(s.hasAttributes())for(let p of s.getAttributeNames())if(p.endsWith(_e)){let u=m[r++],v=s.getAttribute(p).split(_),$=/([.?@])?(.*)/.exec(u);l.push({type:1,index:n,name:$[2],strings:v,ctor:$[1]==="."?G:$[1]==="?"?Y:$[1]==="@"?Q:C}),s.removeAttribute(p)}else p.startsWith(_)&&(l.push({type:6,index:n}),s.removeAttribute(p));if(ke.test(s.tagName)){let p=s.textContent.split(_),u=p.length-1;if(u>0){s.textContent=B?B.emptyScript:"";for(let v=0;v<u;v++)s.append(p[v],D()),S.nextNode(),l.push({type:2,index:++n});s.append(p[u],D())}}}else if(s.nodeType===8)if(s.data===we)l.push({type:2,index:n});else{let p=-1;for(;(p=s.data.indexOf(_,p+1))!==-1;)l.push({type:7,index:n}),p+=_.length-1}n++}}static createElement(i,t){let e=E.createElement("template");return e.innerHTML=i,e}};function T(a,i,t=a,e){if(i===A)return i;let s=e!==void 0?t._$Co?.[e]:t._$Cl,n=H(i)?void 0:i._$litDirective$;return s?.constructor!==n&&(s?._$AO?.(!1),n===void 0?s=void 0:(s=new n(a),s._$AT(a,t,e)),e!==void 0?(t._$Co??=[])[e]=s:t._$Cl=s),s!==void 0&&(i=T(a,s._$AS(a,i.values),s,e)),i}var K=class{constructor(i,t){this._$AV=[],this._$AN=void 0,this._$AD=i,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(i){let{el:{content:t},parts:e}=this._$AD,s=(i?.creationScope??E).importNode(t,!0);S.currentNode=s;let n=S.nextNode(),r=0,c=0,l=e[0];for(;l!==void 0;){if(r===l.index){let h;l.type===2?h=new O(n,n.nextSibling,this,i):l.type===1?h=new l.ctor(n,l.name,l.strings,this,i):l.type===6&&(h=new X(n,this,i)),this._$AV.push(h),l=e[++c]}r!==l?.index&&(n=S.nextNode(),r++)}return S.currentNode=E,s}p(i){let t=0;for(let e of this._$AV)e!==void 0&&(e.strings!==void 0?(e._$AI(i,e,t),t+=e.strings.length-2):e._$AI(i[t])),t++}},O=class a{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(i,t,e,s){this.type=2,this._$AH=d,this._$AN=void 0,this._$AA=i,this._$AB=t,this._$AM=e,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let i=this._$AA.parentNode,t=this._$AM;return t!==void 0&&i?.nodeType===11&&(i=t.parentNode),i}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(i,t=this){i=T(this,i,t),H(i)?i===d||i==null||i===""?(this._$AH!==d&&this._$AR(),this._$AH=d):i!==this._$AH&&i!==A&&this._(i):i._$litType$!==void 0?this.$(i):i.nodeType!==void 0?this.T(i):Fe(i)?this.k(i):this._(i)}O(i){return this._$AA.parentNode.insertBefore(i,this._$AB)}T(i){this._$AH!==i&&(this._$AR(),this._$AH=this.O(i))}_(i){this._$AH!==d&&H(this._$AH)?this._$AA.nextSibling.data=i:this.T(E.createTextNode(i)),this._$AH=i}$(i){let{values:t,_$litType$:e}=i,s=typeof e=="number"?this._$AC(i):(e.el===void 0&&(e.el=M.createElement(Ee(e.h,e.h[0]),this.options)),e);if(this._$AH?._$AD===s)this._$AH.p(t);else{let n=new K(s,this),r=n.u(this.options);n.p(t),this.T(r),this._$AH=n}}_$AC(i){let t=$e.get(i.strings);return t===void 0&&$e.set(i.strings,t=new M(i)),t}k(i){te(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,e,s=0;for(let n of i)s===t.length?t.push(e=new a(this.O(D()),this.O(D()),this,this.options)):e=t[s],e._$AI(n),s++;s<t.length&&(this._$AR(e&&e._$AB.nextSibling,s),t.length=s)}_$AR(i=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);i!==this._$AB;){let e=me(i).nextSibling;me(i).remove(),i=e}}setConnected(i){this._$AM===void 0&&(this._$Cv=i,this._$AP?.(i))}},C=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(i,t,e,s,n){this.type=1,this._$AH=d,this._$AN=void 0,this.element=i,this.name=t,this._$AM=s,this.options=n,e.length>2||e[0]!==""||e[1]!==""?(this._$AH=Array(e.length-1).fill(new String),this.strings=e):this._$AH=d}_$AI(i,t=this,e,s){let n=this.strings,r=!1;if(n===void 0)i=T(this,i,t,0),r=!H(i)||i!==this._$AH&&i!==A,r&&(this._$AH=i);else{let c=i,l,h;for(i=n[0],l=0;l<n.length-1;l++)h=T(this,c[e+l],t,l),h===A&&(h=this._$AH[l]),r||=!H(h)||h!==this._$AH[l],h===d?i=d:i!==d&&(i+=(h??"")+n[l+1]),this._$AH[l]=h}r&&!s&&this.j(i)}j(i){i===d?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,i??"")}},G=class extends C{constructor(){super(...arguments),this.type=3}j(i){this.element[this.name]=i===d?void 0:i}},Y=class extends C{constructor(){super(...arguments),this.type=4}j(i){this.element.toggleAttribute(this.name,!!i&&i!==d)}},Q=class extends C{constructor(i,t,e,s,n){super(i,t,e,s,n),this.type=5}_$AI(i,t=this){if((i=T(this,i,t,0)??d)===A)return;let e=this._$AH,s=i===d&&e!==d||i.capture!==e.capture||i.once!==e.once||i.passive!==e.passive,n=i!==d&&(e===d||s);s&&this.element.removeEventListener(this.name,this,e),n&&this.element.addEventListener(this.name,this,i),this._$AH=i}handleEvent(i){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,i):this._$AH.handleEvent(i)}},X=class{constructor(i,t,e){this.element=i,this.type=6,this._$AN=void 0,this._$AM=t,this.options=e}get _$AU(){return this._$AM._$AU}_$AI(i){T(this,i)}};var Ve=ee.litHtmlPolyfillSupport;Ve?.(M,O),(ee.litHtmlVersions??=[]).push("3.3.3");var Ae=(a,i,t)=>{let e=t?.renderBefore??i,s=e._$litPart$;if(s===void 0){let n=t?.renderBefore??null;e._$litPart$=s=new O(i.insertBefore(D(),n),n,void 0,t??{})}return s._$AI(a),s};var se=globalThis,w=class extends y{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let i=super.createRenderRoot();return this.renderOptions.renderBefore??=i.firstChild,i}update(i){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(i),this._$Do=Ae(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return A}};w._$litElement$=!0,w.finalized=!0,se.litElementHydrateSupport?.({LitElement:w});var je=se.litElementPolyfillSupport;je?.({LitElement:w});(se.litElementVersions??=[]).push("4.2.2");var x=class extends Error{constructor(t,e,s,n={}){super(s);this.status=t;this.code=e;this.fields=n}get tokenDead(){return["token_expired","token_revoked","token_invalid"].includes(this.code)}},R=class{constructor(i,t){this.base=i;this.token=t}get origin(){return new URL(this.base,location.href).origin}async request(i,t,e){let s={Authorization:`Bearer ${this.token}`};e!==void 0&&(s["Content-Type"]="application/json");let n;try{n=await fetch(this.base+t,{method:i,headers:s,body:e===void 0?void 0:JSON.stringify(e),credentials:"omit",cache:"no-store"})}catch(l){throw new x(0,"network",String(l))}if(n.status===204)return;let r=await n.text(),c;try{c=r?JSON.parse(r):void 0}catch{}if(!n.ok){let h=(c?.type??"").split("/").pop()||`http_${n.status}`,m={};if(Array.isArray(c?.errors))for(let p of c.errors)p?.field&&(m[String(p.field)]=String(p.detail??""));throw new x(n.status,h,c?.detail||c?.title||n.statusText,m)}return c}get(i){return this.request("GET",i)}static query(i){let t=new URLSearchParams;for(let[s,n]of Object.entries(i))n!==void 0&&n!==""&&t.set(s,String(n));let e=t.toString();return e?`?${e}`:""}},g=encodeURIComponent;var We={lang:"en",loading:"Loading\u2026",loadFailed:"Could not load this page.",tokenMissing:"This page was opened without an access token. Open it again from the application.",tokenExpired:"Your session has expired. Reload the page in the application to continue.",tokenRevoked:"This session was ended. Reload the page in the application to continue.",tokenInvalid:"This session is not valid. Reload the page in the application to continue.",capabilityMissing:"You do not have access to this section.",originNotAllowed:"This page may not be shown on this website.",networkError:"Could not reach the server. Check your connection and try again.",contactSupport:"Contact support",dismiss:"Dismiss",cancel:"Cancel",close:"Close",save:"Save",saved:"Saved.",create:"Create",required:"Required.",details:"Details",scopes:"Permissions",webhooksTitle:"Webhooks",endpoints:"Endpoints",endpoint:"Endpoint",addEndpoint:"Add endpoint",noEndpoints:"No endpoints yet. Add one to start receiving events.",noDescription:"No description",allEventTypes:"all event types",disabled:"Disabled",endpointURL:"Endpoint URL",description:"Description",eventTypeFilter:"Event types",eventTypeFilterHelp:"Leave all unchecked to receive every event type.",channels:"Channels",channelsHelp:"Comma-separated; only messages sent to one of these channels are delivered. Empty: all.",rateLimit:"Rate limit (per second)",rateLimitHelp:"At most this many deliveries per second. Empty: no limit.",rateLimitInvalid:"Enter a whole number of 1 or more.",headers:"Custom headers",headersHelp:"One per line, as Name: value.",headersInvalid:"Each line must look like Name: value.",endpointCreated:"Endpoint created. Copy its signing secret now to verify deliveries.",eventCatalog:"Event catalog",noEventTypes:"No event types are available yet.",deprecated:"Deprecated",schema:"Schema",example:"Example",notFound:"Not found.",overview:"Overview",deliveries:"Deliveries",settings:"Settings",health:"Health (last 24 hours)",successRate:"Success rate",latency:"Latency",lastError:"Last error",chartLabel:(a,i)=>`Deliveries per hour over the last 24 hours: ${a} in all, ${i} failed.`,signingSecret:"Signing secret",secretHidden:"The secret is hidden.",reveal:"Reveal secret",hide:"Hide",copy:"Copy",copied:"Copied.",rotate:"Rotate secret",rotateConfirm:"Rotate the secret? The old one stays valid for a while.",rotated:"Secret rotated. Update your receiver with the new secret.",sendTest:"Send a test event",sendTestButton:"Send test event",eventType:"Event type",payload:"Payload (JSON)",invalidJSON:"This is not valid JSON.",testSent:"Test event sent. See it under Deliveries.",verifyTitle:"Verify signatures",verifyHelp:"Every delivery is signed with the Standard Webhooks scheme. Check it in your receiver like this:",language:"Language",filters:"Filter deliveries",any:"Any",status:"Status",since:"From",until:"To",apply:"Apply",refresh:"Refresh",succeeded:"Succeeded",failed:"Failed",pending:"Pending",attempts:"Attempts",created:"Created",actions:"Actions",view:"View",viewAttempts:"View attempts",noDeliveries:"No deliveries match.",previous:"Previous page",next:"Next page",delivery:"Delivery",message:"message",attempt:"Attempt",noAttempts:"Not attempted yet.",request:"Request",response:"Response",resend:"Resend",resent:"Delivery queued again.",recoverTitle:"Recover failed deliveries",recoverHelp:"Send again every failed delivery since a time, for example after an outage of your receiver.",recover:"Recover",recoverProgress:a=>`${a} failed deliveries queued again.`,done:"Done.",readOnly:"You can view this endpoint but not change it.",enable:"Enable",disable:"Disable",enabledNotice:"Endpoint enabled.",disabledNotice:"Endpoint disabled: nothing is delivered to it until it is enabled.",delete:"Delete endpoint",deleteConfirm:"Delete this endpoint for good?",deleted:"Endpoint deleted.",connectionsTitle:"Connections",noIntegrations:"No integrations are available yet.",notConnected:"Not connected",connect:"Connect",reconnect:"Reconnect",disconnect:"Disconnect",disconnectConfirm:a=>`Disconnect ${a}?`,statusConnected:"Connected",statusNeedsReconnect:"Needs reconnecting",statusError:"Error",connectedNotice:"Connected.",connectFailed:"The connection was not completed.",disconnectedNotice:"Disconnected.",account:"Account",connectedSince:"Connected since",lastRefreshed:"Last refreshed",appsTitle:"Authorized apps",noApps:"You have not authorized any apps.",by:a=>`by ${a}`,unreviewed:"Unreviewed",grantedOn:a=>`Authorized ${a}`,lastUsed:a=>`last used ${a}`,revoke:"Revoke access",revokeConfirm:a=>`Revoke ${a}'s access? It can no longer act for you.`,revokedNotice:a=>`${a} no longer has access.`,accessRead:"read",accessWrite:"write",accessAdmin:"admin"},Ze={lang:"de",loading:"Wird geladen \u2026",loadFailed:"Diese Seite konnte nicht geladen werden.",tokenMissing:"Diese Seite wurde ohne Zugangstoken ge\xF6ffnet. \xD6ffnen Sie sie erneut aus der Anwendung.",tokenExpired:"Ihre Sitzung ist abgelaufen. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",tokenRevoked:"Diese Sitzung wurde beendet. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",tokenInvalid:"Diese Sitzung ist ung\xFCltig. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",capabilityMissing:"Sie haben keinen Zugriff auf diesen Bereich.",originNotAllowed:"Diese Seite darf auf dieser Website nicht angezeigt werden.",networkError:"Der Server ist nicht erreichbar. Pr\xFCfen Sie Ihre Verbindung und versuchen Sie es erneut.",contactSupport:"Support kontaktieren",dismiss:"Schlie\xDFen",cancel:"Abbrechen",close:"Schlie\xDFen",save:"Speichern",saved:"Gespeichert.",create:"Anlegen",required:"Pflichtfeld.",details:"Details",scopes:"Berechtigungen",webhooksTitle:"Webhooks",endpoints:"Endpunkte",endpoint:"Endpunkt",addEndpoint:"Endpunkt hinzuf\xFCgen",noEndpoints:"Noch keine Endpunkte. Legen Sie einen an, um Ereignisse zu empfangen.",noDescription:"Keine Beschreibung",allEventTypes:"alle Ereignistypen",disabled:"Deaktiviert",endpointURL:"URL des Endpunkts",description:"Beschreibung",eventTypeFilter:"Ereignistypen",eventTypeFilterHelp:"Nichts ausw\xE4hlen, um alle Ereignistypen zu empfangen.",channels:"Kan\xE4le",channelsHelp:"Durch Kommas getrennt; nur Nachrichten an einen dieser Kan\xE4le werden zugestellt. Leer: alle.",rateLimit:"Ratenlimit (pro Sekunde)",rateLimitHelp:"H\xF6chstens so viele Zustellungen pro Sekunde. Leer: kein Limit.",rateLimitInvalid:"Geben Sie eine ganze Zahl ab 1 ein.",headers:"Eigene Header",headersHelp:"Einer pro Zeile, als Name: Wert.",headersInvalid:"Jede Zeile muss die Form Name: Wert haben.",endpointCreated:"Endpunkt angelegt. Kopieren Sie jetzt sein Signaturgeheimnis, um Zustellungen zu pr\xFCfen.",eventCatalog:"Ereigniskatalog",noEventTypes:"Noch keine Ereignistypen verf\xFCgbar.",deprecated:"Veraltet",schema:"Schema",example:"Beispiel",notFound:"Nicht gefunden.",overview:"\xDCbersicht",deliveries:"Zustellungen",settings:"Einstellungen",health:"Zustand (letzte 24 Stunden)",successRate:"Erfolgsquote",latency:"Latenz",lastError:"Letzter Fehler",chartLabel:(a,i)=>`Zustellungen pro Stunde in den letzten 24 Stunden: ${a} insgesamt, ${i} fehlgeschlagen.`,signingSecret:"Signaturgeheimnis",secretHidden:"Das Geheimnis ist verborgen.",reveal:"Geheimnis anzeigen",hide:"Verbergen",copy:"Kopieren",copied:"Kopiert.",rotate:"Geheimnis erneuern",rotateConfirm:"Geheimnis erneuern? Das alte bleibt noch eine Weile g\xFCltig.",rotated:"Geheimnis erneuert. Hinterlegen Sie das neue Geheimnis in Ihrem Empf\xE4nger.",sendTest:"Testereignis senden",sendTestButton:"Testereignis senden",eventType:"Ereignistyp",payload:"Nutzdaten (JSON)",invalidJSON:"Das ist kein g\xFCltiges JSON.",testSent:"Testereignis gesendet. Sie finden es unter Zustellungen.",verifyTitle:"Signaturen pr\xFCfen",verifyHelp:"Jede Zustellung ist nach dem Standard-Webhooks-Verfahren signiert. So pr\xFCfen Sie sie in Ihrem Empf\xE4nger:",language:"Sprache",filters:"Zustellungen filtern",any:"Alle",status:"Status",since:"Von",until:"Bis",apply:"Anwenden",refresh:"Aktualisieren",succeeded:"Erfolgreich",failed:"Fehlgeschlagen",pending:"Ausstehend",attempts:"Versuche",created:"Erstellt",actions:"Aktionen",view:"Ansehen",viewAttempts:"Versuche ansehen",noDeliveries:"Keine passenden Zustellungen.",previous:"Vorherige Seite",next:"N\xE4chste Seite",delivery:"Zustellung",message:"Nachricht",attempt:"Versuch",noAttempts:"Noch nicht versucht.",request:"Anfrage",response:"Antwort",resend:"Erneut senden",resent:"Zustellung erneut eingereiht.",recoverTitle:"Fehlgeschlagene Zustellungen wiederholen",recoverHelp:"Alle seit einem Zeitpunkt fehlgeschlagenen Zustellungen erneut senden, etwa nach einem Ausfall Ihres Empf\xE4ngers.",recover:"Wiederholen",recoverProgress:a=>`${a} fehlgeschlagene Zustellungen erneut eingereiht.`,done:"Fertig.",readOnly:"Sie k\xF6nnen diesen Endpunkt ansehen, aber nicht \xE4ndern.",enable:"Aktivieren",disable:"Deaktivieren",enabledNotice:"Endpunkt aktiviert.",disabledNotice:"Endpunkt deaktiviert: Bis zur Aktivierung wird nichts an ihn zugestellt.",delete:"Endpunkt l\xF6schen",deleteConfirm:"Diesen Endpunkt endg\xFCltig l\xF6schen?",deleted:"Endpunkt gel\xF6scht.",connectionsTitle:"Verbindungen",noIntegrations:"Noch keine Integrationen verf\xFCgbar.",notConnected:"Nicht verbunden",connect:"Verbinden",reconnect:"Neu verbinden",disconnect:"Trennen",disconnectConfirm:a=>`${a} trennen?`,statusConnected:"Verbunden",statusNeedsReconnect:"Neu verbinden n\xF6tig",statusError:"Fehler",connectedNotice:"Verbunden.",connectFailed:"Die Verbindung wurde nicht hergestellt.",disconnectedNotice:"Getrennt.",account:"Konto",connectedSince:"Verbunden seit",lastRefreshed:"Zuletzt erneuert",appsTitle:"Autorisierte Apps",noApps:"Sie haben keine Apps autorisiert.",by:a=>`von ${a}`,unreviewed:"Nicht gepr\xFCft",grantedOn:a=>`Autorisiert am ${a}`,lastUsed:a=>`zuletzt genutzt am ${a}`,revoke:"Zugriff entziehen",revokeConfirm:a=>`${a} den Zugriff entziehen? Die App kann dann nicht mehr f\xFCr Sie handeln.`,revokedNotice:a=>`${a} hat keinen Zugriff mehr.`,accessRead:"lesen",accessWrite:"schreiben",accessAdmin:"verwalten"},xe={en:We,de:Ze};function F(a){let i=(a??"").toLowerCase().split(/[-_]/)[0];return i in xe?i:"en"}function Te(a){return xe[F(a)]}var Ce=j`
  :host {
    --pb-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    --pb-radius: 8px;
    --pb-space: 1rem;
    --pb-accent: #1d4ed8;
    --pb-on-accent: #ffffff;
    /* Each colour is light-dark(light, dark); the scheme picks one. */
    --pb-bg: light-dark(#ffffff, #18181b);
    --pb-surface: light-dark(#f6f7f9, #232327);
    --pb-text: light-dark(#1d1d1f, #f4f4f5);
    --pb-muted: light-dark(#52525b, #b4b4bb);
    --pb-border: light-dark(#c9ccd1, #4a4a52);
    --pb-danger: light-dark(#b91c1c, #f87171);
    --pb-success: light-dark(#15803d, #4ade80);
    --pb-focus: light-dark(#1d4ed8, #93c5fd);
    display: block;
    font-family: var(--pb-font);
    font-size: 15px;
    line-height: 1.5;
    color: var(--pb-text);
    background: var(--pb-bg);
    color-scheme: light;
    container-type: inline-size;
  }
  :host([data-scheme="dark"]) { color-scheme: dark; }
  :host([data-scheme="auto"]) { color-scheme: light dark; }
  * { box-sizing: border-box; }
  .root { padding: var(--pb-space); }
  header { display: flex; align-items: center; gap: calc(var(--pb-space) / 2); margin-bottom: var(--pb-space); flex-wrap: wrap; }
  header img { width: 32px; height: 32px; border-radius: 6px; object-fit: contain; }
  h1 { font-size: 1.25rem; margin: 0; }
  h2 { font-size: 1.1rem; margin: var(--pb-space) 0 calc(var(--pb-space) / 2); }
  h3 { font-size: 1rem; margin: calc(var(--pb-space) / 2) 0; }
  p { margin: 0.25rem 0 0.5rem; }
  .muted { color: var(--pb-muted); font-size: 0.9em; }
  .card { border: 1px solid var(--pb-border); border-radius: var(--pb-radius); padding: var(--pb-space); margin-bottom: var(--pb-space); background: var(--pb-bg); }
  .row { display: flex; gap: calc(var(--pb-space) / 2); flex-wrap: wrap; align-items: center; }
  .spread { justify-content: space-between; }
  button, .button {
    font: inherit; padding: 0.45rem 0.9rem; border-radius: var(--pb-radius); border: 1px solid var(--pb-border);
    background: var(--pb-surface); color: var(--pb-text); cursor: pointer; min-height: 2.25rem; text-decoration: none; display: inline-block;
  }
  button.primary { background: var(--pb-accent); color: var(--pb-on-accent); border-color: var(--pb-accent); }
  button.danger { color: var(--pb-danger); border-color: var(--pb-danger); background: transparent; }
  button.link { border: none; background: none; color: inherit; text-decoration: underline; padding: 0.2rem; min-height: 0; }
  button:disabled { opacity: 0.6; cursor: default; }
  :focus-visible { outline: 3px solid var(--pb-focus); outline-offset: 2px; }
  label { display: block; font-weight: 600; margin: 0.6rem 0 0.2rem; }
  fieldset { border: 1px solid var(--pb-border); border-radius: var(--pb-radius); margin: 0.6rem 0; }
  fieldset label { display: inline-flex; gap: 0.35rem; font-weight: 400; margin: 0.2rem 0.8rem 0.2rem 0; }
  legend { font-weight: 600; }
  input, select, textarea {
    font: inherit; color: var(--pb-text); background: var(--pb-bg); border: 1px solid var(--pb-border);
    border-radius: calc(var(--pb-radius) / 2); padding: 0.4rem; width: 100%; max-width: 40rem;
  }
  input[type="checkbox"] { width: auto; }
  textarea { font-family: ui-monospace, monospace; min-height: 6rem; }
  .field-error, .error { color: var(--pb-danger); }
  .ok { color: var(--pb-success); }
  pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
  pre { background: var(--pb-surface); border-radius: calc(var(--pb-radius) / 2); padding: 0.6rem; overflow: auto; max-height: 20rem; white-space: pre-wrap; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.4rem; border-bottom: 1px solid var(--pb-border); vertical-align: top; }
  .table-wrap { overflow-x: auto; }
  [role="tablist"] { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--pb-border); margin-bottom: var(--pb-space); flex-wrap: wrap; }
  [role="tab"] { border: none; border-bottom: 3px solid transparent; border-radius: 0; background: none; }
  [role="tab"][aria-selected="true"] { border-bottom-color: var(--pb-accent); font-weight: 600; }
  .badge { display: inline-block; font-size: 0.8em; padding: 0.05rem 0.5rem; border-radius: 999px; border: 1px solid currentColor; }
  .notice { border-left: 4px solid var(--pb-accent); background: var(--pb-surface); padding: 0.5rem 0.75rem; margin-bottom: var(--pb-space); }
  .notice.error { border-left-color: var(--pb-danger); }
  ul.plain { list-style: none; padding: 0; margin: 0; }
  ul.plain > li { border-bottom: 1px solid var(--pb-border); padding: 0.6rem 0; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  svg .ok-bar { fill: var(--pb-success); }
  svg .fail-bar { fill: var(--pb-danger); }
  @container (max-width: 480px) {
    .root { padding: calc(var(--pb-space) / 2); }
    th.optional, td.optional { display: none; }
  }
`;var Je=(()=>{let a=document.currentScript?.src;try{return a?new URL(a).origin:location.origin}catch{return location.origin}})(),b=class extends w{constructor(){super(...arguments);this.token="";this.theme="";this.apiBase="";this.busy=!1;this.confirming=""}static{this.styles=Ce}static{this.properties={token:{type:String},lang:{type:String},theme:{type:String},apiBase:{type:String,attribute:"api-base"},session:{state:!0},fatal:{state:!0},notice:{state:!0},busy:{state:!0},confirming:{state:!0}}}get m(){return Te(F(this.lang||this.session?.locale||navigator.language))}willUpdate(t){(t.has("theme")||t.has("session"))&&(this.dataset.scheme=this.theme||this.session?.branding?.theme||"auto")}updated(t){(t.has("token")||t.has("apiBase"))&&this.token&&this.start()}async start(){this.api=new R((this.apiBase||Je).replace(/\/$/,"")+"/embed/v1",this.token),this.fatal=void 0,this.notice=void 0,await this.run(async()=>{this.session=await this.api.get("/session"),this.applyBranding(this.session.branding),await this.load()})}applyBranding(t){let e=t?.accent_color;e&&/^#[0-9a-f]{6}$/i.test(e)&&(this.style.setProperty("--pb-accent",e),this.style.setProperty("--pb-on-accent",Ke(e)))}async run(t){this.busy=!0;try{return await t(),!0}catch(e){let s=e instanceof x?e:new x(0,"client",String(e));return this.emit("patchbay:error",{status:s.status,code:s.code,message:s.message}),s.tokenDead||s.code==="capability_missing"||s.code==="origin_not_allowed"||!this.session?this.fatal=s:this.notice={text:s.message,error:!0},!1}finally{this.busy=!1}}say(t){this.notice={text:t,error:!1}}emit(t,e){this.dispatchEvent(new CustomEvent(t,{detail:e,bubbles:!0,composed:!0}))}confirmable(t,e,s,n,r,c=!0){return this.confirming!==t?o`<button class=${c?"danger":""} @click=${async()=>{this.confirming=t,await this.updateComplete,this.renderRoot.querySelector(`[data-confirm="${CSS.escape(t)}"]`)?.focus()}}>${e}</button>`:o`<span role="group" aria-label=${n} class="row">
      <span>${n}</span>
      <button class="danger" data-confirm=${t} @click=${()=>(this.confirming="",r())}>${s}</button>
      <button @click=${()=>this.confirming=""}>${this.m.cancel}</button>
    </span>`}fatalMessage(t){let e=this.m;switch(t.code){case"token_expired":return e.tokenExpired;case"token_revoked":return e.tokenRevoked;case"token_invalid":return e.tokenInvalid;case"capability_missing":return e.capabilityMissing;case"origin_not_allowed":return e.originNotAllowed;case"network":return e.networkError}return`${e.loadFailed} ${t.message}`}render(){let t=this.m,e=this.session?.branding;return o`<div class="root" part="root" lang=${F(this.lang||this.session?.locale||navigator.language)}>
      <header part="header">
        ${e?.logo_url?o`<img src=${e.logo_url} alt="" part="logo" />`:d}
        <h1 part="title" tabindex="-1">${this.heading()}</h1>
        ${e?.product_name?o`<span class="muted">${e.product_name}</span>`:d}
      </header>
      ${this.fatal?o`<div class="notice error" role="alert" part="error">
            <p><strong>${this.fatalMessage(this.fatal)}</strong></p>
            ${e?.support_url?o`<p><a href=${e.support_url} target="_blank" rel="noopener">${t.contactSupport}</a></p>`:d}
          </div>`:this.token?this.session?o`${this.notice?o`<div class="notice ${this.notice.error?"error":""}" role=${this.notice.error?"alert":"status"} part="notice">
                      ${this.notice.text}
                      <button class="link" @click=${()=>this.notice=void 0} aria-label=${t.dismiss}>&times;</button>
                    </div>`:d}
                ${this.body()}`:o`<p role="status" aria-live="polite">${t.loading}</p>`:o`<p class="notice error" role="alert" part="error">${t.tokenMissing}</p>`}
    </div>`}};function Ke(a){let i=[1,3,5].map(e=>parseInt(a.slice(e,e+2),16)/255).map(e=>e<=.03928?e/12.92:((e+.055)/1.055)**2.4),t=.2126*i[0]+.7152*i[1]+.0722*i[2];return(t+.05)/.05>1.05/(t+.05)?"#000000":"#ffffff"}function f(a,i){if(!a)return"";let t=new Date(a);return isNaN(t.getTime())?a:t.toLocaleString(i,{dateStyle:"medium",timeStyle:"short"})}var Re=[["node","Node.js"],["python","Python"],["go","Go"],["php","PHP"],["ruby","Ruby"]],Ge={node:`import { createHmac, timingSafeEqual } from "node:crypto";

// rawBody: the request body exactly as received (a Buffer), before JSON parsing.
export function verify(secret, headers, rawBody) {
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) throw new Error("timestamp too old");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(\`\${id}.\${ts}.\`).update(rawBody).digest();
  for (const sig of headers["webhook-signature"].split(" ")) {
    const [version, value] = sig.split(",");
    const got = Buffer.from(value ?? "", "base64");
    if (version === "v1" && got.length === expected.length && timingSafeEqual(got, expected)) return;
  }
  throw new Error("no valid signature");
}`,python:`import base64, hashlib, hmac, time

def verify(secret: str, headers: dict, raw_body: bytes) -> None:
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        raise ValueError("timestamp too old")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{msg_id}.{ts}.".encode() + raw_body, hashlib.sha256).digest()
    for sig in headers["webhook-signature"].split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(value), expected):
            return
    raise ValueError("no valid signature")`,go:`// Patchbay's Go package does this for you:
//   import "github.com/patchbay/patchbay/webhook"
//   err := webhook.Verify(secret, r.Header, rawBody)
func verify(secret string, h http.Header, rawBody []byte) error {
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-sec)) > 300 {
		return errors.New("timestamp missing or too old")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(rawBody)
	expected := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		value, ok := strings.CutPrefix(sig, "v1,")
		got, err := base64.StdEncoding.DecodeString(value)
		if ok && err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return errors.New("no valid signature")
}`,php:`<?php
function verify(string $secret, array $headers, string $rawBody): void {
    $id = $headers['webhook-id']; $ts = $headers['webhook-timestamp'];
    if (abs(time() - (int)$ts) > 300) throw new Exception('timestamp too old');
    $key = base64_decode(preg_replace('/^whsec_/', '', $secret));
    $expected = hash_hmac('sha256', "$id.$ts.$rawBody", $key, true);
    foreach (explode(' ', $headers['webhook-signature']) as $sig) {
        [$version, $value] = array_pad(explode(',', $sig, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, base64_decode($value))) return;
    }
    throw new Exception('no valid signature');
}`,ruby:`require "base64"
require "openssl"

def verify(secret, headers, raw_body)
  id, ts = headers["webhook-id"], headers["webhook-timestamp"]
  raise "timestamp too old" if (Time.now.to_i - ts.to_i).abs > 300
  key = Base64.strict_decode64(secret.delete_prefix("whsec_"))
  expected = OpenSSL::HMAC.digest("SHA256", key, "#{id}.#{ts}.#{raw_body}")
  headers["webhook-signature"].split(" ").each do |sig|
    version, value = sig.split(",", 2)
    return if version == "v1" && OpenSSL.secure_compare(Base64.decode64(value.to_s), expected)
  end
  raise "no valid signature"
end`};function Pe(a){return Ge[a]}var ne=class extends b{constructor(){super(...arguments);this.view={kind:"endpoints"};this.endpoints=[];this.eventTypes=[];this.fieldErrors={};this.sampleLang="node";this.filter={event_type:"",status:"",since:"",until:""}}static{this.properties={...b.properties,view:{state:!0},endpoints:{state:!0},eventTypes:{state:!0},secret:{state:!0},deliveries:{state:!0},delivery:{state:!0},stats:{state:!0},recovery:{state:!0},fieldErrors:{state:!0},sampleLang:{state:!0},filter:{state:!0}}}heading(){return this.m.webhooksTitle}get canWrite(){return this.session?.capabilities.includes("webhooks")??!1}async load(){let[t,e]=await Promise.all([this.api.get("/event-types?limit=100"),this.api.get("/endpoints?limit=100")]);this.eventTypes=t.data,this.endpoints=e.data}disconnectedCallback(){super.disconnectedCallback(),window.clearTimeout(this.recoveryTimer)}endpoint(){let t=this.view;return t.kind==="endpoint"?this.endpoints.find(e=>e.id===t.id):void 0}go(t){this.view=t,this.fieldErrors={},this.confirming="",this.notice=void 0,t.kind!=="endpoint"&&(this.secret=void 0,this.delivery=void 0,this.deliveries=void 0,this.stats=void 0,window.clearTimeout(this.recoveryTimer),this.recovery=void 0),t.kind==="endpoint"&&t.tab==="overview"&&this.run(()=>this.loadStats(t.id)),t.kind==="endpoint"&&t.tab==="deliveries"&&this.run(()=>this.loadDeliveries("")),this.updateComplete.then(()=>this.renderRoot.querySelector("h2")?.focus())}body(){let t=this.m,e=this.view;return o`
      <nav aria-label=${t.webhooksTitle} class="row" part="nav">
        <button aria-current=${e.kind==="endpoints"||e.kind==="endpoint"||e.kind==="new"?"page":"false"} @click=${()=>this.go({kind:"endpoints"})}>${t.endpoints}</button>
        <button aria-current=${e.kind==="catalog"?"page":"false"} @click=${()=>this.go({kind:"catalog"})}>${t.eventCatalog}</button>
      </nav>
      ${e.kind==="endpoints"?this.endpointList():d}
      ${e.kind==="new"?this.endpointForm():d}
      ${e.kind==="catalog"?this.catalog():d}
      ${e.kind==="endpoint"?this.endpointView(e.tab):d}
    `}endpointList(){let t=this.m;return o`<section part="endpoints">
      <div class="row spread">
        <h2 tabindex="-1">${t.endpoints}</h2>
        ${this.canWrite?o`<button class="primary" part="button-primary" @click=${()=>this.go({kind:"new"})}>${t.addEndpoint}</button>`:d}
      </div>
      ${this.endpoints.length===0?o`<p class="muted">${t.noEndpoints}</p>`:o`<ul class="plain">
            ${this.endpoints.map(e=>o`<li class="row spread" part="endpoint">
                <div>
                  <button class="link" @click=${()=>this.go({kind:"endpoint",id:e.id,tab:"overview"})}><code>${e.url}</code></button>
                  ${e.disabled?o`<span class="badge error">${t.disabled}</span>`:d}
                  <div class="muted">${e.description||t.noDescription} &middot; ${e.event_types?.length?e.event_types.join(", "):t.allEventTypes}</div>
                </div>
              </li>`)}
          </ul>`}
    </section>`}endpointForm(t){let e=this.m,s=this.fieldErrors,n=l=>`ep-${l}`,r=l=>s[l]?`${n(l)}-error`:d,c=l=>s[l]?o`<div class="field-error" id="${n(l)}-error">${s[l]}</div>`:d;return o`<form part="form" @submit=${l=>this.saveEndpoint(l,t)} novalidate>
      ${t?d:o`<h2 tabindex="-1">${e.addEndpoint}</h2>`}
      <label for=${n("url")}>${e.endpointURL}</label>
      <input id=${n("url")} name="url" type="url" required placeholder="https://" .value=${t?.url??""} aria-invalid=${s.url?"true":"false"} aria-describedby=${r("url")} />
      ${c("url")}
      <label for=${n("description")}>${e.description}</label>
      <input id=${n("description")} name="description" .value=${t?.description??""} aria-describedby=${r("description")} />
      ${c("description")}
      <fieldset aria-describedby=${r("event_types")}>
        <legend>${e.eventTypeFilter}</legend>
        <p class="muted">${e.eventTypeFilterHelp}</p>
        ${this.eventTypes.map(l=>o`<label><input type="checkbox" name="event_types" value=${l.name} .checked=${t?.event_types?.includes(l.name)??!1} />${l.name}</label>`)}
      </fieldset>
      ${c("event_types")}
      <label for=${n("channels")}>${e.channels}</label>
      <input id=${n("channels")} name="channels" .value=${t?.channels?.join(", ")??""} aria-describedby="${n("channels")}-help" />
      <div class="muted" id="${n("channels")}-help">${e.channelsHelp}</div>
      ${c("channels")}
      <label for=${n("rate_limit")}>${e.rateLimit}</label>
      <input id=${n("rate_limit")} name="rate_limit" type="number" min="1" inputmode="numeric" .value=${t?.rate_limit?String(t.rate_limit):""} aria-describedby="${n("rate_limit")}-help" />
      <div class="muted" id="${n("rate_limit")}-help">${e.rateLimitHelp}</div>
      ${c("rate_limit")}
      <label for=${n("headers")}>${e.headers}</label>
      <textarea id=${n("headers")} name="headers" aria-describedby="${n("headers")}-help" .value=${Object.entries(t?.headers??{}).map(([l,h])=>`${l}: ${h}`).join(`
`)}></textarea>
      <div class="muted" id="${n("headers")}-help">${e.headersHelp}</div>
      ${c("headers")}
      <div class="row" style="margin-top:1rem">
        <button class="primary" type="submit" part="button-primary" ?disabled=${this.busy}>${t?e.save:e.create}</button>
        ${t?d:o`<button type="button" @click=${()=>this.go({kind:"endpoints"})}>${e.cancel}</button>`}
      </div>
    </form>`}async saveEndpoint(t,e){t.preventDefault();let s=this.m,n=new FormData(t.target),r={},c=String(n.get("url")??"").trim();c||(r.url=s.required);let l={};for(let p of String(n.get("headers")??"").split(`
`)){if(!p.trim())continue;let u=p.indexOf(":");u<=0?r.headers=s.headersInvalid:l[p.slice(0,u).trim()]=p.slice(u+1).trim()}let h=String(n.get("rate_limit")??"").trim();if(h&&!(Number(h)>=1&&Number.isInteger(Number(h)))&&(r.rate_limit=s.rateLimitInvalid),this.fieldErrors=r,Object.keys(r).length)return this.focusFirstError();let m={url:c,description:String(n.get("description")??""),event_types:n.getAll("event_types").map(String),channels:String(n.get("channels")??"").split(",").map(p=>p.trim()).filter(Boolean),rate_limit:h?Number(h):null,headers:l};await this.run(async()=>{try{if(e){let p=await this.api.request("PATCH",`/endpoints/${g(e.id)}`,m);this.endpoints=this.endpoints.map(u=>u.id===p.id?p:u),this.emit("patchbay:endpoint-updated",{endpoint_id:p.id,url:p.url}),this.say(s.saved)}else{let p=await this.api.request("POST","/endpoints",m);this.endpoints=[...this.endpoints,{...p,secret:void 0}],this.emit("patchbay:endpoint-created",{endpoint_id:p.id,url:p.url}),this.go({kind:"endpoint",id:p.id,tab:"overview"}),this.secret=p.secret,this.say(s.endpointCreated)}}catch(p){if(p?.fields&&Object.keys(p.fields).length){this.fieldErrors=p.fields,await this.focusFirstError();return}throw p}})}async focusFirstError(){await this.updateComplete,this.renderRoot.querySelector('[aria-invalid="true"], .field-error')?.focus?.()}catalog(){let t=this.m;return o`<section part="catalog">
      <h2 tabindex="-1">${t.eventCatalog}</h2>
      ${this.eventTypes.length===0?o`<p class="muted">${t.noEventTypes}</p>`:d}
      <ul class="plain">
        ${this.eventTypes.map(e=>o`<li part="event-type">
            <h3><code>${e.name}</code> ${e.deprecated?o`<span class="badge">${t.deprecated}</span>`:d}</h3>
            <p>${e.description}</p>
            ${e.schema?o`<details><summary>${t.schema}</summary><pre tabindex="0">${JSON.stringify(e.schema,null,2)}</pre></details>`:d}
            ${e.example?o`<details><summary>${t.example}</summary><pre tabindex="0">${JSON.stringify(e.example,null,2)}</pre></details>`:d}
          </li>`)}
      </ul>
    </section>`}endpointView(t){let e=this.m,s=this.endpoint();if(!s)return o`<p>${e.notFound}</p>`;let n=[["overview",e.overview],["deliveries",e.deliveries],["settings",e.settings]];return o`<section part="endpoint-detail">
      <button class="link" @click=${()=>this.go({kind:"endpoints"})}>&larr; ${e.endpoints}</button>
      <h2 tabindex="-1"><code>${s.url}</code> ${s.disabled?o`<span class="badge error">${e.disabled}</span>`:d}</h2>
      ${s.disabled_reason?o`<p class="error">${s.disabled_reason}</p>`:d}
      <div role="tablist" aria-label=${e.endpoint} @keydown=${this.tabKeys}>
        ${n.map(([r,c])=>o`<button role="tab" id="tab-${r}" aria-controls="panel" aria-selected=${t===r?"true":"false"} tabindex=${t===r?"0":"-1"}
            @click=${()=>this.go({kind:"endpoint",id:s.id,tab:r})}>${c}</button>`)}
      </div>
      <div role="tabpanel" id="panel" aria-labelledby="tab-${t}">
        ${t==="overview"?this.overview(s):d}
        ${t==="deliveries"?this.deliveryLog(s):d}
        ${t==="settings"?this.settings(s):d}
      </div>
    </section>`}tabKeys(t){if(t.key!=="ArrowRight"&&t.key!=="ArrowLeft")return;let e=[...this.renderRoot.querySelectorAll('[role="tab"]')],s=e.indexOf(t.target);e[(s+(t.key==="ArrowRight"?1:e.length-1))%e.length].click(),this.updateComplete.then(()=>this.renderRoot.querySelector('[role="tab"][aria-selected="true"]')?.focus())}overview(t){let e=this.m;return o`
      <div class="card" part="health">
        <h3>${e.health}</h3>
        ${this.stats?this.health(this.stats):o`<p class="muted">${e.loading}</p>`}
      </div>
      <div class="card" part="secret">
        <h3>${e.signingSecret}</h3>
        ${this.secret?o`<p><code id="secret-value" part="secret-value">${this.secret}</code></p>
              <button @click=${()=>navigator.clipboard?.writeText(this.secret).then(()=>this.say(e.copied))}>${e.copy}</button>
              <button @click=${()=>this.secret=void 0}>${e.hide}</button>`:o`<p class="muted">${e.secretHidden}</p>
              <button @click=${()=>this.run(async()=>{this.secret=(await this.api.get(`/endpoints/${g(t.id)}/secret`)).secret})}>${e.reveal}</button>`}
        ${this.canWrite?this.confirmable("rotate",e.rotate,e.rotate,e.rotateConfirm,()=>this.rotate(t),!1):d}
      </div>
      ${this.canWrite?this.testForm(t):d}
      <div class="card" part="verify-sample">
        <h3>${e.verifyTitle}</h3>
        <p class="muted">${e.verifyHelp}</p>
        <label for="sample-lang">${e.language}</label>
        <select id="sample-lang" @change=${s=>this.sampleLang=s.target.value}>
          ${Re.map(([s,n])=>o`<option value=${s} ?selected=${s===this.sampleLang}>${n}</option>`)}
        </select>
        <pre tabindex="0" aria-label=${e.verifyTitle}><code>${Pe(this.sampleLang)}</code></pre>
      </div>
    `}health(t){let e=this.m,s=t.success_rate==null||!t.attempts?"\u2013":`${(t.success_rate*100).toFixed(1)} %`,n=u=>u==null||!t.attempts?"\u2013":`${Math.round(u)} ms`,r=Math.max(1,...t.buckets.map(u=>u.succeeded+u.failed)),c=240,l=48,h=t.buckets.length?c/t.buckets.length:c,m=t.buckets.reduce((u,v)=>u+v.succeeded+v.failed,0),p=t.buckets.reduce((u,v)=>u+v.failed,0);return o`<dl class="row" style="gap:1.5rem">
        <div><dt class="muted">${e.successRate}</dt><dd style="margin:0" data-testid="success-rate">${s}</dd></div>
        <div><dt class="muted">${e.latency} p50</dt><dd style="margin:0">${n(t.latency_ms?.p50)}</dd></div>
        <div><dt class="muted">${e.latency} p99</dt><dd style="margin:0">${n(t.latency_ms?.p99)}</dd></div>
      </dl>
      <svg part="chart" role="img" viewBox="0 0 ${c} ${l}" width="100%" height=${l} preserveAspectRatio="none" aria-label=${e.chartLabel(m,p)}>
        ${t.buckets.map((u,v)=>{let $=u.succeeded/r*l,oe=u.failed/r*l;return Se`<rect class="ok-bar" x=${v*h} y=${l-$} width=${Math.max(h-1,1)} height=${$}></rect>
            <rect class="fail-bar" x=${v*h} y=${l-$-oe} width=${Math.max(h-1,1)} height=${oe}></rect>`})}
      </svg>
      ${t.last_error?o`<p><span class="muted">${e.lastError}:</span> <span class="error">${t.last_error}</span></p>`:d}`}async loadStats(t){this.stats=await this.api.get(`/endpoints/${g(t)}/stats?window=24h`)}async rotate(t){await this.run(async()=>{this.secret=(await this.api.request("POST",`/endpoints/${g(t.id)}/secret/rotate`)).secret,this.say(this.m.rotated)})}testForm(t){let e=this.m,s=t.event_types?.length?this.eventTypes.filter(r=>t.event_types.includes(r.name)):this.eventTypes,n=r=>JSON.stringify(this.eventTypes.find(c=>c.name===r)?.example??{},null,2);return o`<form class="card" part="test-form" @submit=${r=>this.sendTest(r,t)}>
      <h3>${e.sendTest}</h3>
      <label for="test-type">${e.eventType}</label>
      <select id="test-type" name="event_type" @change=${r=>{let c=this.renderRoot.querySelector("#test-payload");c&&(c.value=n(r.target.value))}}>
        ${s.map(r=>o`<option value=${r.name}>${r.name}</option>`)}
      </select>
      <label for="test-payload">${e.payload}</label>
      <textarea id="test-payload" name="payload" .value=${s[0]?n(s[0].name):"{}"} aria-describedby=${this.fieldErrors.payload?"test-payload-error":d}></textarea>
      ${this.fieldErrors.payload?o`<div class="field-error" id="test-payload-error">${this.fieldErrors.payload}</div>`:d}
      <div class="row" style="margin-top:.5rem"><button class="primary" part="button-primary" type="submit" ?disabled=${this.busy||!s.length}>${e.sendTestButton}</button></div>
    </form>`}async sendTest(t,e){t.preventDefault();let s=new FormData(t.target),n=String(s.get("event_type")??""),r;try{r=JSON.parse(String(s.get("payload")||"{}")),this.fieldErrors={}}catch{this.fieldErrors={payload:this.m.invalidJSON};return}await this.run(async()=>{let c=await this.api.request("POST",`/endpoints/${g(e.id)}/test`,{event_type:n,payload:r});this.emit("patchbay:test-sent",{endpoint_id:e.id,event_type:n,message_id:c.message_id,delivery_id:c.delivery_id}),this.say(this.m.testSent)})}async loadDeliveries(t,e=!1){let s=this.endpoint();if(!s)return;let n=this.filter,r=h=>h?new Date(h).toISOString():void 0,c=await this.api.get(`/endpoints/${g(s.id)}/deliveries`+R.query({event_type:n.event_type,status:n.status,since:r(n.since),until:r(n.until),limit:20,cursor:t})),l=this.deliveries?.cursors??[];this.deliveries={...c,cursors:e?l.slice(0,-1):t?[...l,t]:[]}}deliveryLog(t){let e=this.m,s=this.deliveries,n=r=>r==="succeeded"?e.succeeded:r==="failed"?e.failed:e.pending;return o`
      <form class="card" part="delivery-filters" @submit=${r=>{r.preventDefault();let c=new FormData(r.target);this.filter={event_type:String(c.get("event_type")),status:String(c.get("status")),since:String(c.get("since")),until:String(c.get("until"))},this.deliveries=void 0,this.run(()=>this.loadDeliveries(""))}}>
        <h3>${e.filters}</h3>
        <div class="row">
          <div><label for="f-type">${e.eventType}</label>
            <select id="f-type" name="event_type"><option value="">${e.any}</option>
              ${this.eventTypes.map(r=>o`<option value=${r.name} ?selected=${this.filter.event_type===r.name}>${r.name}</option>`)}</select></div>
          <div><label for="f-status">${e.status}</label>
            <select id="f-status" name="status"><option value="">${e.any}</option>
              ${["succeeded","failed","pending"].map(r=>o`<option value=${r} ?selected=${this.filter.status===r}>${n(r)}</option>`)}</select></div>
          <div><label for="f-since">${e.since}</label><input id="f-since" name="since" type="datetime-local" .value=${this.filter.since} /></div>
          <div><label for="f-until">${e.until}</label><input id="f-until" name="until" type="datetime-local" .value=${this.filter.until} /></div>
        </div>
        <div class="row" style="margin-top:.5rem"><button type="submit">${e.apply}</button>
          <button type="button" @click=${()=>this.run(()=>this.loadDeliveries(s?.cursors.at(-1)??""))}>${e.refresh}</button></div>
      </form>
      ${this.delivery?this.deliveryDetail(this.delivery):d}
      ${s?s.data.length===0?o`<p class="muted" role="status">${e.noDeliveries}</p>`:o`<div class="table-wrap"><table part="deliveries">
              <caption class="sr-only">${e.deliveries}</caption>
              <thead><tr><th>${e.eventType}</th><th>${e.status}</th><th class="optional">${e.attempts}</th><th class="optional">${e.created}</th><th><span class="sr-only">${e.actions}</span></th></tr></thead>
              <tbody>${s.data.map(r=>o`<tr data-delivery=${r.id}>
                  <td><code>${r.event_type}</code></td>
                  <td><span class="badge ${r.status==="succeeded"?"ok":r.status==="failed"?"error":""}">${n(r.status)}</span>${r.last_status_code?o` <span class="muted">${r.last_status_code}</span>`:d}</td>
                  <td class="optional">${r.attempts}</td>
                  <td class="optional">${f(r.created_at,this.m.lang)}</td>
                  <td><button @click=${()=>this.openDelivery(r.id)} aria-label="${e.viewAttempts}: ${r.event_type} ${f(r.created_at,this.m.lang)}">${e.view}</button></td>
                </tr>`)}</tbody></table></div>`:o`<p class="muted" role="status">${e.loading}</p>`}
      <div class="row" style="margin-top:.5rem">
        ${s?.cursors.length?o`<button @click=${()=>this.run(()=>this.loadDeliveries(s.cursors.at(-2)??"",!0))}>${e.previous}</button>`:d}
        ${s?.next_cursor?o`<button @click=${()=>this.run(()=>this.loadDeliveries(s.next_cursor))}>${e.next}</button>`:d}
      </div>
      ${this.canWrite?this.recoverForm(t):d}`}async openDelivery(t){await this.run(async()=>{let e=await this.api.get(`/deliveries/${g(t)}`),s=Array.isArray(e.attempts)?e.attempts:[];this.delivery={...e,attempts:s.length,attempts_detail:s},await this.updateComplete,this.renderRoot.querySelector("#delivery-detail h3")?.focus()})}deliveryDetail(t){let e=this.m,s=r=>Object.entries(r??{}).map(([c,l])=>`${c}: ${l}
`).join(""),n=r=>r==null?"":typeof r=="string"?r:JSON.stringify(r,null,2);return o`<div class="card" id="delivery-detail" part="delivery-detail">
      <div class="row spread">
        <h3 tabindex="-1">${e.delivery} <code>${t.id}</code></h3>
        <button @click=${()=>this.delivery=void 0}>${e.close}</button>
      </div>
      <p class="muted">${t.event_type} &middot; ${e.message} <code>${t.message_id}</code></p>
      ${this.canWrite?o`<button @click=${()=>this.resend(t.id)}>${e.resend}</button>`:d}
      ${t.attempts_detail.length===0?o`<p class="muted">${e.noAttempts}</p>`:d}
      ${t.attempts_detail.map((r,c)=>o`<details ?open=${c===t.attempts_detail.length-1} part="attempt">
          <summary>${e.attempt} ${c+1}: ${r.status_code??r.error??"\u2013"} &middot; ${r.duration_ms} ms &middot; ${f(r.started_at,this.m.lang)}</summary>
          ${r.error?o`<p class="error">${r.error}</p>`:d}
          <h4>${e.request}</h4>
          <pre tabindex="0">POST ${r.request?.url}\n${s(r.request?.headers)}\n${n(r.request?.body)}</pre>
          <h4>${e.response}</h4>
          <pre tabindex="0">${r.status_code??""}\n${s(r.response?.headers)}\n${n(r.response?.body)}</pre>
        </details>`)}
    </div>`}async resend(t){await this.run(async()=>{await this.api.request("POST",`/deliveries/${g(t)}/resend`),this.say(this.m.resent),await this.loadDeliveries(this.deliveries?.cursors.at(-1)??"")})}recoverForm(t){let e=this.m,s=this.recovery;return o`<form class="card" part="recover" @submit=${n=>this.recover(n,t)}>
      <h3>${e.recoverTitle}</h3>
      <p class="muted">${e.recoverHelp}</p>
      <label for="recover-since">${e.since}</label>
      <input id="recover-since" name="since" type="datetime-local" required />
      <div class="row" style="margin-top:.5rem"><button type="submit" ?disabled=${this.busy||s&&!I(s)}>${e.recover}</button></div>
      ${s?o`<div role="status" aria-live="polite">
            ${I(s)?d:o`<progress aria-label=${e.recoverTitle}></progress>`}
            ${e.recoverProgress(s.resent)} ${I(s)?e.done:""}
          </div>`:d}
    </form>`}async recover(t,e){t.preventDefault();let s=String(new FormData(t.target).get("since")??"");s&&await this.run(async()=>{this.recovery=await this.api.request("POST",`/endpoints/${g(e.id)}/recover`,{since:new Date(s).toISOString()}),this.pollRecovery(e.id)})}pollRecovery(t){window.clearTimeout(this.recoveryTimer),!(!this.recovery||I(this.recovery))&&(this.recoveryTimer=window.setTimeout(async()=>{await this.run(async()=>{this.recovery=await this.api.get(`/endpoints/${g(t)}/recoveries/${g(this.recovery.id)}`)})&&this.pollRecovery(t)},1e3))}settings(t){let e=this.m;return this.canWrite?o`
      <div class="card">${this.endpointForm(t)}</div>
      <div class="card row">
        <button @click=${()=>this.setDisabled(t,!t.disabled)}>${t.disabled?e.enable:e.disable}</button>
        ${this.confirmable("delete",e.delete,e.delete,e.deleteConfirm,()=>this.deleteEndpoint(t))}
      </div>`:o`<p class="muted">${e.readOnly}</p>`}async setDisabled(t,e){await this.run(async()=>{let s=await this.api.request("PATCH",`/endpoints/${g(t.id)}`,{disabled:e});this.endpoints=this.endpoints.map(n=>n.id===s.id?s:n),this.emit("patchbay:endpoint-updated",{endpoint_id:s.id,url:s.url}),this.say(e?this.m.disabledNotice:this.m.enabledNotice)})}async deleteEndpoint(t){await this.run(async()=>{await this.api.request("DELETE",`/endpoints/${g(t.id)}`),this.endpoints=this.endpoints.filter(e=>e.id!==t.id),this.emit("patchbay:endpoint-deleted",{endpoint_id:t.id,url:t.url}),this.go({kind:"endpoints"}),this.say(this.m.deleted)})}};function I(a){return a.status!=="running"}customElements.define("patchbay-webhooks",ne);var re=class extends b{constructor(){super(...arguments);this.integrations=[];this.pending="";this.onMessage=t=>{if(!this.popup||t.source!==this.popup)return;let e=t.data;e?.type!=="patchbay:connected"&&e?.type!=="patchbay:connect-failed"||(this.popup?.close(),this.finishConnect(e.integration_id??this.pending,e.type==="patchbay:connected",e.error))}}static{this.properties={...b.properties,integrations:{state:!0},pending:{state:!0}}}heading(){return this.m.connectionsTitle}async load(){this.integrations=(await this.api.get("/integrations?limit=100")).data}connectedCallback(){super.connectedCallback(),window.addEventListener("message",this.onMessage)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("message",this.onMessage),window.clearInterval(this.popupTimer)}async finishConnect(t,e,s){window.clearInterval(this.popupTimer),this.popup=void 0,this.pending="",await this.run(async()=>{await this.load();let n=this.integrations.find(r=>r.id===t)?.connection;e&&n?(this.emit("patchbay:connected",{integration_id:t,connection_id:n.id}),this.say(this.m.connectedNotice)):e||(this.notice={text:s?`${this.m.connectFailed} (${s})`:this.m.connectFailed,error:!0})})}async connect(t){let e=window.open("","patchbay-connect","popup,width=520,height=720");await this.run(async()=>{let s=this.api.origin===location.origin?{}:{return_to:location.href},{connect_url:n}=await this.api.request("POST",`/integrations/${g(t.id)}/connect`,s);if(!e){location.assign(n);return}e.location.href=n,this.popup=e,this.pending=t.id,window.clearInterval(this.popupTimer),this.popupTimer=window.setInterval(()=>{if(this.pending!==t.id)return;if(e.closed)return void this.finishConnect(t.id,!0);let r=!1;try{r=e.location.origin===location.origin}catch{}r&&(e.close(),this.finishConnect(t.id,!0))},500)}),this.pending||e?.close()}async disconnect(t){let e=t.connection;e&&await this.run(async()=>{await this.api.request("DELETE",`/connections/${g(e.id)}`),this.emit("patchbay:disconnected",{integration_id:t.id,connection_id:e.id}),await this.load(),this.say(this.m.disconnectedNotice),await this.updateComplete,this.renderRoot.querySelector(`[data-connect="${t.id}"]`)?.focus()})}body(){let t=this.m,e={connected:t.statusConnected,needs_reconnect:t.statusNeedsReconnect,error:t.statusError};return this.integrations.length?o`<ul class="plain" part="integrations">
      ${this.integrations.map(s=>{let n=s.connection;return o`<li part="integration" data-integration=${s.id}>
          <div class="row spread">
            <div class="row">
              ${s.provider.logo_url?o`<img src=${s.provider.logo_url} alt="" width="32" height="32" style="border-radius:6px" />`:d}
              <div>
                <h2 style="margin:0;font-size:1rem">${s.name}</h2>
                <div class="muted">${s.provider.name}</div>
              </div>
            </div>
            <div class="row">
              ${n?o`<span class="badge ${n.status==="connected"?"ok":"error"}" part="status">${e[n.status]??n.status}</span>`:o`<span class="muted">${t.notConnected}</span>`}
              ${!n||n.status!=="connected"?o`<button class="primary" part="button-primary" data-connect=${s.id} ?disabled=${!!this.pending}
                    @click=${()=>this.connect(s)}>${n?t.reconnect:t.connect}<span class="sr-only"> ${s.name}</span></button>`:d}
              ${n?this.confirmable(s.id,o`${t.disconnect}<span class="sr-only"> ${s.name}</span>`,t.disconnect,t.disconnectConfirm(s.name),()=>this.disconnect(s)):d}
            </div>
          </div>
          ${n?o`<details part="connection-details"><summary>${t.details}<span class="sr-only"> ${s.name}</span></summary>
                <dl>
                  ${n.account_label?o`<dt class="muted">${t.account}</dt><dd>${n.account_label}</dd>`:d}
                  <dt class="muted">${t.connectedSince}</dt><dd>${f(n.created_at,t.lang)}</dd>
                  ${n.last_refreshed_at?o`<dt class="muted">${t.lastRefreshed}</dt><dd>${f(n.last_refreshed_at,t.lang)}</dd>`:d}
                  ${n.scopes?.length?o`<dt class="muted">${t.scopes}</dt><dd>${n.scopes.join(", ")}</dd>`:d}
                </dl>
              </details>`:d}
        </li>`})}
    </ul>`:o`<p class="muted">${t.noIntegrations}</p>`}};customElements.define("patchbay-connections",re);var ae=class extends b{constructor(){super(...arguments);this.apps=[]}static{this.properties={...b.properties,apps:{state:!0}}}heading(){return this.m.appsTitle}async load(){this.apps=(await this.api.get("/authorized-apps?limit=100")).data}async revoke(t){await this.run(async()=>{await this.api.request("DELETE",`/authorized-apps/${g(t.app_id)}`),this.apps=this.apps.filter(e=>e.app_id!==t.app_id),this.emit("patchbay:app-revoked",{app_id:t.app_id}),this.say(this.m.revokedNotice(t.name)),await this.updateComplete,this.renderRoot.querySelector("h1")?.focus()})}body(){let t=this.m;return this.apps.length?o`<ul class="plain" part="apps">
      ${this.apps.map(e=>o`<li part="app" data-app=${e.app_id}>
          <div class="row spread">
            <div class="row">
              ${e.logo_url?o`<img src=${e.logo_url} alt="" width="32" height="32" style="border-radius:6px" />`:d}
              <div>
                <h2 style="margin:0;font-size:1rem">${e.name}</h2>
                <div class="muted">${e.developer?t.by(e.developer):d}${e.host?o` &middot; ${e.host}`:d}
                  ${e.self_registered?o` &middot; <span class="badge">${t.unreviewed}</span>`:d}</div>
              </div>
            </div>
            ${this.confirmable(e.app_id,o`${t.revoke}<span class="sr-only"> ${e.name}</span>`,t.revoke,t.revokeConfirm(e.name),()=>this.revoke(e))}
          </div>
          <p class="muted">${t.grantedOn(f(e.granted_at,t.lang))}${e.last_used_at?o` &middot; ${t.lastUsed(f(e.last_used_at,t.lang))}`:d}</p>
          <ul part="scopes">
            ${e.scopes.map(s=>o`<li>${s.description||s.name}${s.access?o` <span class="badge">${Ye(t,s.access)}</span>`:d}</li>`)}
          </ul>
        </li>`)}
    </ul>`:o`<p class="muted" role="status">${t.noApps}</p>`}};function Ye(a,i){return i==="read"?a.accessRead:i==="write"?a.accessWrite:i==="admin"?a.accessAdmin:i}customElements.define("patchbay-authorized-apps",ae);function Ne(){if(!document.documentElement.hasAttribute("data-patchbay-portal"))return;let a=new URLSearchParams(location.hash.slice(1));history.replaceState(null,"",location.pathname+location.search);let i=a.get("token"),t=document.querySelector("patchbay-webhooks, patchbay-connections, patchbay-authorized-apps");t&&i&&(t.token=i)}Ne();})();
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
