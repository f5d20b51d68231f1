"use strict";(()=>{var j=globalThis,W=j.ShadowRoot&&(j.ShadyCSS===void 0||j.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,X=Symbol(),_e=new WeakMap,H=class{constructor(s,e,t){if(this._$cssResult$=!0,t!==X)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=s,this.t=e}get styleSheet(){let s=this.o,e=this.t;if(W&&s===void 0){let t=e!==void 0&&e.length===1;t&&(s=_e.get(e)),s===void 0&&((this.o=s=new CSSStyleSheet).replaceSync(this.cssText),t&&_e.set(e,s))}return s}toString(){return this.cssText}},ke=n=>new H(typeof n=="string"?n:n+"",void 0,X),ee=(n,...s)=>{let e=n.length===1?n[0]:s.reduce((t,i,a)=>t+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+n[a+1],n[0]);return new H(e,n,X)},Se=(n,s)=>{if(W)n.adoptedStyleSheets=s.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of s){let t=document.createElement("style"),i=j.litNonce;i!==void 0&&t.setAttribute("nonce",i),t.textContent=e.cssText,n.appendChild(t)}},te=W?n=>n:n=>n instanceof CSSStyleSheet?(s=>{let e="";for(let t of s.cssRules)e+=t.cssText;return ke(e)})(n):n;var{is:Xe,defineProperty:et,getOwnPropertyDescriptor:tt,getOwnPropertyNames:it,getOwnPropertySymbols:st,getPrototypeOf:nt}=Object,K=globalThis,Ee=K.trustedTypes,rt=Ee?Ee.emptyScript:"",at=K.reactiveElementPolyfillSupport,I=(n,s)=>n,ie={toAttribute(n,s){switch(s){case Boolean:n=n?rt:null;break;case Object:case Array:n=n==null?n:JSON.stringify(n)}return n},fromAttribute(n,s){let e=n;switch(s){case Boolean:e=n!==null;break;case Number:e=n===null?null:Number(n);break;case Object:case Array:try{e=JSON.parse(n)}catch{e=null}}return e}},Ae=(n,s)=>!Xe(n,s),Te={attribute:!0,type:String,converter:ie,reflect:!1,useDefault:!1,hasChanged:Ae};Symbol.metadata??=Symbol("metadata"),K.litPropertyMetadata??=new WeakMap;var _=class extends HTMLElement{static addInitializer(s){this._$Ei(),(this.l??=[]).push(s)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(s,e=Te){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(s)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(s,e),!e.noAccessor){let t=Symbol(),i=this.getPropertyDescriptor(s,t,e);i!==void 0&&et(this.prototype,s,i)}}static getPropertyDescriptor(s,e,t){let{get:i,set:a}=tt(this.prototype,s)??{get(){return this[e]},set(r){this[e]=r}};return{get:i,set(r){let d=i?.call(this);a?.call(this,r),this.requestUpdate(s,d,t)},configurable:!0,enumerable:!0}}static getPropertyOptions(s){return this.elementProperties.get(s)??Te}static _$Ei(){if(this.hasOwnProperty(I("elementProperties")))return;let s=nt(this);s.finalize(),s.l!==void 0&&(this.l=[...s.l]),this.elementProperties=new Map(s.elementProperties)}static finalize(){if(this.hasOwnProperty(I("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(I("properties"))){let e=this.properties,t=[...it(e),...st(e)];for(let i of t)this.createProperty(i,e[i])}let s=this[Symbol.metadata];if(s!==null){let e=litPropertyMetadata.get(s);if(e!==void 0)for(let[t,i]of e)this.elementProperties.set(t,i)}this._$Eh=new Map;for(let[e,t]of this.elementProperties){let i=this._$Eu(e,t);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(s){let e=[];if(Array.isArray(s)){let t=new Set(s.flat(1/0).reverse());for(let i of t)e.unshift(te(i))}else s!==void 0&&e.push(te(s));return e}static _$Eu(s,e){let t=e.attribute;return t===!1?void 0:typeof t=="string"?t:typeof s=="string"?s.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(s=>this.enableUpdating=s),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(s=>s(this))}addController(s){(this._$EO??=new Set).add(s),this.renderRoot!==void 0&&this.isConnected&&s.hostConnected?.()}removeController(s){this._$EO?.delete(s)}_$E_(){let s=new Map,e=this.constructor.elementProperties;for(let t of e.keys())this.hasOwnProperty(t)&&(s.set(t,this[t]),delete this[t]);s.size>0&&(this._$Ep=s)}createRenderRoot(){let s=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Se(s,this.constructor.elementStyles),s}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(s=>s.hostConnected?.())}enableUpdating(s){}disconnectedCallback(){this._$EO?.forEach(s=>s.hostDisconnected?.())}attributeChangedCallback(s,e,t){this._$AK(s,t)}_$ET(s,e){let t=this.constructor.elementProperties.get(s),i=this.constructor._$Eu(s,t);if(i!==void 0&&t.reflect===!0){let a=(t.converter?.toAttribute!==void 0?t.converter:ie).toAttribute(e,t.type);this._$Em=s,a==null?this.removeAttribute(i):this.setAttribute(i,a),this._$Em=null}}_$AK(s,e){let t=this.constructor,i=t._$Eh.get(s);if(i!==void 0&&this._$Em!==i){let a=t.getPropertyOptions(i),r=typeof a.converter=="function"?{fromAttribute:a.converter}:a.converter?.fromAttribute!==void 0?a.converter:ie;this._$Em=i;let d=r.fromAttribute(e,a.type);this[i]=d??this._$Ej?.get(i)??d,this._$Em=null}}requestUpdate(s,e,t,i=!1,a){if(s!==void 0){let r=this.constructor;if(i===!1&&(a=this[s]),t??=r.getPropertyOptions(s),!((t.hasChanged??Ae)(a,e)||t.useDefault&&t.reflect&&a===this._$Ej?.get(s)&&!this.hasAttribute(r._$Eu(s,t))))return;this.C(s,e,t)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(s,e,{useDefault:t,reflect:i,wrapped:a},r){t&&!(this._$Ej??=new Map).has(s)&&(this._$Ej.set(s,r??e??this[s]),a!==!0||r!==void 0)||(this._$AL.has(s)||(this.hasUpdated||t||(e=void 0),this._$AL.set(s,e)),i===!0&&this._$Em!==s&&(this._$Eq??=new Set).add(s))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let s=this.scheduleUpdate();return s!=null&&await s,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,a]of this._$Ep)this[i]=a;this._$Ep=void 0}let t=this.constructor.elementProperties;if(t.size>0)for(let[i,a]of t){let{wrapped:r}=a,d=this[i];r!==!0||this._$AL.has(i)||d===void 0||this.C(i,void 0,a,d)}}let s=!1,e=this._$AL;try{s=this.shouldUpdate(e),s?(this.willUpdate(e),this._$EO?.forEach(t=>t.hostUpdate?.()),this.update(e)):this._$EM()}catch(t){throw s=!1,this._$EM(),t}s&&this._$AE(e)}willUpdate(s){}_$AE(s){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(s)),this.updated(s)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(s){return!0}update(s){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(s){}firstUpdated(s){}};_.elementStyles=[],_.shadowRootOptions={mode:"open"},_[I("elementProperties")]=new Map,_[I("finalized")]=new Map,at?.({ReactiveElement:_}),(K.reactiveElementVersions??=[]).push("2.1.2");var de=globalThis,xe=n=>n,Z=de.trustedTypes,Le=Z?Z.createPolicy("lit-html",{createHTML:n=>n}):void 0,qe="$lit$",E=`lit$${Math.random().toFixed(9).slice(2)}$`,He="?"+E,ot=`<${He}>`,P=document,B=()=>P.createComment(""),O=n=>n===null||typeof n!="object"&&typeof n!="function",ce=Array.isArray,lt=n=>ce(n)||typeof n?.[Symbol.iterator]=="function",se=`[ 	
\f\r]`,M=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Re=/-->/g,Pe=/>/g,L=RegExp(`>|${se}(?:([^\\s"'>=/]+)(${se}*=${se}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Ce=/'/g,Ne=/"/g,Ie=/^(?:script|style|textarea|title)$/i,pe=n=>(s,...e)=>({_$litType$:n,strings:s,values:e}),o=pe(1),Me=pe(2),St=pe(3),k=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),De=new WeakMap,R=P.createTreeWalker(P,129);function Be(n,s){if(!ce(n)||!n.hasOwnProperty("raw"))throw Error("invalid template strings array");return Le!==void 0?Le.createHTML(s):s}var dt=(n,s)=>{let e=n.length-1,t=[],i,a=s===2?"<svg>":s===3?"<math>":"",r=M;for(let d=0;d<e;d++){let c=n[d],p,g,u=-1,h=0;for(;h<c.length&&(r.lastIndex=h,g=r.exec(c),g!==null);)h=r.lastIndex,r===M?g[1]==="!--"?r=Re:g[1]!==void 0?r=Pe:g[2]!==void 0?(Ie.test(g[2])&&(i=RegExp("</"+g[2],"g")),r=L):g[3]!==void 0&&(r=L):r===L?g[0]===">"?(r=i??M,u=-1):g[1]===void 0?u=-2:(u=r.lastIndex-g[2].length,p=g[1],r=g[3]===void 0?L:g[3]==='"'?Ne:Ce):r===Ne||r===Ce?r=L:r===Re||r===Pe?r=M:(r=L,i=void 0);let v=r===L&&n[d+1].startsWith("/>")?" ":"";a+=r===M?c+ot:u>=0?(t.push(p),c.slice(0,u)+qe+c.slice(u)+E+v):c+E+(u===-2?d:v)}return[Be(n,a+(n[e]||"<?>")+(s===2?"</svg>":s===3?"</math>":"")),t]},z=class n{constructor({strings:s,_$litType$:e},t){let i;this.parts=[];let a=0,r=0,d=s.length-1,c=this.parts,[p,g]=dt(s,e);if(this.el=n.createElement(p,t),R.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(i=R.nextNode())!==null&&c.length<d;){if(i.nodeType===1){if(i.hasAttributes())for(let u of i.getAttributeNames())if(u.endsWith(qe)){let h=g[r++],v=i.getAttribute(u).split(E),S=/([.?@])?(.*)/.exec(h);c.push({type:1,index:a,name:S[2],strings:v,ctor:S[1]==="."?re:S[1]==="?"?ae:S[1]==="@"?oe:N}),i.removeAttribute(u)}else u.startsWith(E)&&(c.push({type:6,index:a}),i.removeAttribute(u));if(Ie.test(i.tagName)){let u=i.textContent.split(E),h=u.length-1;if(h>0){i.textContent=Z?Z.emptyScript:"";for(let v=0;v<h;v++)i.append(u[v],B()),R.nextNode(),c.push({type:2,index:++a});i.append(u[h],B())}}}else if(i.nodeType===8)if(i.data===He)c.push({type:2,index:a});else{let u=-1;for(;(u=i.data.indexOf(E,u+1))!==-1;)c.push({type:7,index:a}),u+=E.length-1}a++}}static createElement(s,e){let t=P.createElement("template");return t.innerHTML=s,t}};function C(n,s,e=n,t){if(s===k)return s;let i=t!==void 0?e._$Co?.[t]:e._$Cl,a=O(s)?void 0:s._$litDirective$;return i?.constructor!==a&&(i?._$AO?.(!1),a===void 0?i=void 0:(i=new a(n),i._$AT(n,e,t)),t!==void 0?(e._$Co??=[])[t]=i:e._$Cl=i),i!==void 0&&(s=C(n,i._$AS(n,s.values),i,t)),s}var ne=class{constructor(s,e){this._$AV=[],this._$AN=void 0,this._$AD=s,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(s){let{el:{content:e},parts:t}=this._$AD,i=(s?.creationScope??P).importNode(e,!0);R.currentNode=i;let a=R.nextNode(),r=0,d=0,c=t[0];for(;c!==void 0;){if(r===c.index){let p;c.type===2?p=new F(a,a.nextSibling,this,s):c.type===1?p=new c.ctor(a,c.name,c.strings,this,s):c.type===6&&(p=new le(a,this,s)),this._$AV.push(p),c=t[++d]}r!==c?.index&&(a=R.nextNode(),r++)}return R.currentNode=P,i}p(s){let e=0;for(let t of this._$AV)t!==void 0&&(t.strings!==void 0?(t._$AI(s,t,e),e+=t.strings.length-2):t._$AI(s[e])),e++}},F=class n{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(s,e,t,i){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=s,this._$AB=e,this._$AM=t,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let s=this._$AA.parentNode,e=this._$AM;return e!==void 0&&s?.nodeType===11&&(s=e.parentNode),s}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(s,e=this){s=C(this,s,e),O(s)?s===l||s==null||s===""?(this._$AH!==l&&this._$AR(),this._$AH=l):s!==this._$AH&&s!==k&&this._(s):s._$litType$!==void 0?this.$(s):s.nodeType!==void 0?this.T(s):lt(s)?this.k(s):this._(s)}O(s){return this._$AA.parentNode.insertBefore(s,this._$AB)}T(s){this._$AH!==s&&(this._$AR(),this._$AH=this.O(s))}_(s){this._$AH!==l&&O(this._$AH)?this._$AA.nextSibling.data=s:this.T(P.createTextNode(s)),this._$AH=s}$(s){let{values:e,_$litType$:t}=s,i=typeof t=="number"?this._$AC(s):(t.el===void 0&&(t.el=z.createElement(Be(t.h,t.h[0]),this.options)),t);if(this._$AH?._$AD===i)this._$AH.p(e);else{let a=new ne(i,this),r=a.u(this.options);a.p(e),this.T(r),this._$AH=a}}_$AC(s){let e=De.get(s.strings);return e===void 0&&De.set(s.strings,e=new z(s)),e}k(s){ce(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,t,i=0;for(let a of s)i===e.length?e.push(t=new n(this.O(B()),this.O(B()),this,this.options)):t=e[i],t._$AI(a),i++;i<e.length&&(this._$AR(t&&t._$AB.nextSibling,i),e.length=i)}_$AR(s=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);s!==this._$AB;){let t=xe(s).nextSibling;xe(s).remove(),s=t}}setConnected(s){this._$AM===void 0&&(this._$Cv=s,this._$AP?.(s))}},N=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(s,e,t,i,a){this.type=1,this._$AH=l,this._$AN=void 0,this.element=s,this.name=e,this._$AM=i,this.options=a,t.length>2||t[0]!==""||t[1]!==""?(this._$AH=Array(t.length-1).fill(new String),this.strings=t):this._$AH=l}_$AI(s,e=this,t,i){let a=this.strings,r=!1;if(a===void 0)s=C(this,s,e,0),r=!O(s)||s!==this._$AH&&s!==k,r&&(this._$AH=s);else{let d=s,c,p;for(s=a[0],c=0;c<a.length-1;c++)p=C(this,d[t+c],e,c),p===k&&(p=this._$AH[c]),r||=!O(p)||p!==this._$AH[c],p===l?s=l:s!==l&&(s+=(p??"")+a[c+1]),this._$AH[c]=p}r&&!i&&this.j(s)}j(s){s===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,s??"")}},re=class extends N{constructor(){super(...arguments),this.type=3}j(s){this.element[this.name]=s===l?void 0:s}},ae=class extends N{constructor(){super(...arguments),this.type=4}j(s){this.element.toggleAttribute(this.name,!!s&&s!==l)}},oe=class extends N{constructor(s,e,t,i,a){super(s,e,t,i,a),this.type=5}_$AI(s,e=this){if((s=C(this,s,e,0)??l)===k)return;let t=this._$AH,i=s===l&&t!==l||s.capture!==t.capture||s.once!==t.once||s.passive!==t.passive,a=s!==l&&(t===l||i);i&&this.element.removeEventListener(this.name,this,t),a&&this.element.addEventListener(this.name,this,s),this._$AH=s}handleEvent(s){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,s):this._$AH.handleEvent(s)}},le=class{constructor(s,e,t){this.element=s,this.type=6,this._$AN=void 0,this._$AM=e,this.options=t}get _$AU(){return this._$AM._$AU}_$AI(s){C(this,s)}};var ct=de.litHtmlPolyfillSupport;ct?.(z,F),(de.litHtmlVersions??=[]).push("3.3.3");var Oe=(n,s,e)=>{let t=e?.renderBefore??s,i=t._$litPart$;if(i===void 0){let a=e?.renderBefore??null;t._$litPart$=i=new F(s.insertBefore(B(),a),a,void 0,e??{})}return i._$AI(n),i};var ue=globalThis,T=class extends _{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let s=super.createRenderRoot();return this.renderOptions.renderBefore??=s.firstChild,s}update(s){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(s),this._$Do=Oe(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return k}};T._$litElement$=!0,T.finalized=!0,ue.litElementHydrateSupport?.({LitElement:T});var pt=ue.litElementPolyfillSupport;pt?.({LitElement:T});(ue.litElementVersions??=[]).push("4.2.2");var $=class extends Error{constructor(e,t,i,a={}){super(i);this.status=e;this.code=t;this.fields=a}get tokenDead(){return["token_expired","token_revoked","token_invalid","session_invalid"].includes(this.code)}},y=class{constructor(s,e,t=""){this.base=s;this.token=e;this.csrf=t}get origin(){return new URL(this.base,location.href).origin}async request(s,e,t,i="application/json"){let a=this.csrf?{"X-CSRF-Token":this.csrf}:{Authorization:`Bearer ${this.token}`};t!==void 0&&(a["Content-Type"]=i);let r;try{r=await fetch(this.base+e,{method:s,headers:a,body:t===void 0?void 0:t instanceof Blob?t:JSON.stringify(t),credentials:this.csrf?"same-origin":"omit",cache:"no-store"})}catch(p){throw new $(0,"network",String(p))}if(r.status===204)return;let d=await r.text(),c;try{c=d?JSON.parse(d):void 0}catch{}if(!r.ok){let g=(c?.type??"").split("/").pop()||`http_${r.status}`,u={};if(Array.isArray(c?.errors))for(let h of c.errors)h?.field&&(u[String(h.field)]=String(h.detail??""));throw new $(r.status,g,c?.detail||c?.title||r.statusText,u)}return c}get(s){return this.request("GET",s)}static query(s){let e=new URLSearchParams;for(let[i,a]of Object.entries(s))a!==void 0&&a!==""&&e.set(i,String(a));let t=e.toString();return t?`?${t}`:""}},m=encodeURIComponent;var ut={lang:"en",loading:"Loading\u2026",loadFailed:"Could not load this page.",tokenMissing:"This page was opened without an access token. Open it again from the application.",tokenExpired:"Your session has expired. Reload the page in the application to continue.",tokenRevoked:"This session was ended. Reload the page in the application to continue.",tokenInvalid:"This session is not valid. Reload the page in the application to continue.",capabilityMissing:"You do not have access to this section.",originNotAllowed:"This page may not be shown on this website.",networkError:"Could not reach the server. Check your connection and try again.",contactSupport:"Contact support",dismiss:"Dismiss",cancel:"Cancel",close:"Close",save:"Save",saved:"Saved.",create:"Create",required:"Required.",details:"Details",scopes:"Permissions",webhooksTitle:"Webhooks",endpoints:"Endpoints",endpoint:"Endpoint",addEndpoint:"Add endpoint",noEndpoints:"No endpoints yet. Add one to start receiving events.",noDescription:"No description",allEventTypes:"all event types",disabled:"Disabled",endpointURL:"Endpoint URL",description:"Description",eventTypeFilter:"Event types",eventTypeFilterHelp:"Leave all unchecked to receive every event type.",channels:"Channels",channelsHelp:"Comma-separated; only messages sent to one of these channels are delivered. Empty: all.",rateLimit:"Rate limit (per second)",rateLimitHelp:"At most this many deliveries per second. Empty: no limit.",rateLimitInvalid:"Enter a whole number of 1 or more.",headers:"Custom headers",headersHelp:"One per line, as Name: value.",headersInvalid:"Each line must look like Name: value.",endpointCreated:"Endpoint created. Copy its signing secret now to verify deliveries.",eventCatalog:"Event catalog",noEventTypes:"No event types are available yet.",deprecated:"Deprecated",schema:"Schema",example:"Example",notFound:"Not found.",overview:"Overview",deliveries:"Deliveries",settings:"Settings",health:"Health (last 24 hours)",successRate:"Success rate",latency:"Latency",lastError:"Last error",chartLabel:(n,s)=>`Deliveries per hour over the last 24 hours: ${n} in all, ${s} failed.`,signingSecret:"Signing secret",secretHidden:"The secret is hidden.",reveal:"Reveal secret",hide:"Hide",copy:"Copy",copied:"Copied.",rotate:"Rotate secret",rotateConfirm:"Rotate the secret? The old one stays valid for a while.",rotated:"Secret rotated. Update your receiver with the new secret.",sendTest:"Send a test event",sendTestButton:"Send test event",eventType:"Event type",payload:"Payload (JSON)",invalidJSON:"This is not valid JSON.",testSent:"Test event sent. See it under Deliveries.",verifyTitle:"Verify signatures",verifyHelp:"Every delivery is signed with the Standard Webhooks scheme. Check it in your receiver like this:",language:"Language",filters:"Filter deliveries",any:"Any",status:"Status",since:"From",until:"To",apply:"Apply",refresh:"Refresh",succeeded:"Succeeded",failed:"Failed",pending:"Pending",attempts:"Attempts",created:"Created",actions:"Actions",view:"View",viewAttempts:"View attempts",noDeliveries:"No deliveries match.",previous:"Previous page",next:"Next page",delivery:"Delivery",message:"message",attempt:"Attempt",noAttempts:"Not attempted yet.",request:"Request",response:"Response",resend:"Resend",resent:"Delivery queued again.",recoverTitle:"Recover failed deliveries",recoverHelp:"Send again every failed delivery since a time, for example after an outage of your receiver.",recover:"Recover",recoverProgress:n=>`${n} failed deliveries queued again.`,done:"Done.",readOnly:"You can view this endpoint but not change it.",enable:"Enable",disable:"Disable",enabledNotice:"Endpoint enabled.",disabledNotice:"Endpoint disabled: nothing is delivered to it until it is enabled.",delete:"Delete endpoint",deleteConfirm:"Delete this endpoint for good?",deleted:"Endpoint deleted.",connectionsTitle:"Connections",noIntegrations:"No integrations are available yet.",notConnected:"Not connected",connect:"Connect",reconnect:"Reconnect",disconnect:"Disconnect",disconnectConfirm:n=>`Disconnect ${n}?`,statusConnected:"Connected",statusNeedsReconnect:"Needs reconnecting",statusError:"Error",connectedNotice:"Connected.",connectFailed:"The connection was not completed.",disconnectedNotice:"Disconnected.",account:"Account",connectedSince:"Connected since",lastRefreshed:"Last refreshed",appsTitle:"Authorized apps",noApps:"You have not authorized any apps.",by:n=>`by ${n}`,unreviewed:"Unreviewed",grantedOn:n=>`Authorized ${n}`,lastUsed:n=>`last used ${n}`,revoke:"Revoke access",revokeConfirm:n=>`Revoke ${n}'s access? It can no longer act for you.`,revokedNotice:n=>`${n} no longer has access.`,accessRead:"read",accessWrite:"write",accessAdmin:"admin",sessionInvalid:"Your console session has ended. Reload the page and sign in again.",marketplaceTitle:"Marketplace",browse:"Browse",installedTab:"Installed",searchLabel:"Search apps and integrations",search:"Search",results:"Results",category:"Category",allCategories:"All categories",kindLabel:"Type",allKinds:"All types",kindApp:"App",kindIntegration:"Integration",sortLabel:"Sort by",sorts:{relevance:"Relevance",popular:"Most installed",rating:"Best rated",newest:"Newest"},noListings:"Nothing matches. Try other words or another category.",everything:"Everything",notInstalledYet:"Not installed yet",installs:n=>n===1?"1 install":`${n} installs`,installedBadge:"Installed",backToDirectory:"All apps",install:"Install",installing:"Installing\u2026",uninstall:"Uninstall",uninstallConfirm:n=>`Uninstall ${n}? Its access ends at once.`,installStarted:n=>`Finish installing ${n} in the window that opened.`,installedNotice:n=>`${n} is installed.`,installNotFinished:"The installation was not finished.",uninstalledNotice:n=>`${n} was uninstalled.`,nothingInstalled:"Your team has not installed anything from the marketplace yet.",installedOn:n=>`Installed ${n}`,screenshots:"Screenshots",screenshotN:n=>`Screenshot ${n}`,dataAccess:"What it can access",why:"Why:",noDataAccess:"It asks for no access to your data.",developer:"Developer",website:"Website",support:"Support",privacy:"Privacy policy",terms:"Terms of service",pricing:"Pricing",languages:"Languages",reviews:"Reviews",noReviews:"No reviews yet.",distribution:"Ratings by number of stars",noRatings:"No ratings yet",ratedOf:(n,s)=>`Rated ${n} out of 5 by ${s===1?"1 review":`${s} reviews`}`,starsN:n=>n===1?"1 star":`${n} stars`,writeReview:"Write a review",editReview:"Edit your review",yourRating:"Your rating",yourReview:"Your review",publishReview:"Publish review",ratingRequired:"Choose a rating from 1 to 5 stars.",reviewSaved:"Thank you: your review is published.",anonymous:"A user",replyFrom:n=>`Reply from ${n}`,states:{draft:"Draft",submitted:"Submitted",in_review:"In review",changes_requested:"Changes requested",approved:"Approved",published:"Published",suspended:"Suspended",unlisted:"Unlisted",superseded:"Superseded"},fields:{name:"Name",tagline:"Tagline",description:"Description",icon_url:"Icon",screenshots:"Screenshots",categories:"Categories",tags:"Tags",website_url:"Website",support_url:"Support page",support_email:"Support email",privacy_url:"Privacy policy",terms_url:"Terms of service",install_url:"Install URL",pricing:"Pricing",languages:"Languages",scope_justifications:"Why each permission is needed"},noChanges:"No differences.",added:"added:",removed:"removed:",developerTitle:"Your marketplace listings",yourListings:"Listings",newListing:"New listing",noOwnListings:"You have no listings yet. Create one for one of your apps.",version:"Live version",activeInstalls:"Active installs",revisionState:n=>`Changes: ${n}`,app:"App",newApp:"New app",noAppsYet:"Create an app first: a listing presents one of your apps.",redirectURI:"Redirect URI",scopesHelp:"The permissions your app asks for, separated by commas.",createApp:"Create app",appCreated:n=>`App ${n} created. Copy its client secret now: it is not shown again.`,clientSecret:"Client secret",slug:"Address name",slugHelp:"Lower-case letters, digits and hyphens; it cannot change later.",developerName:"Developer name shown to users",createListing:"Create listing",listingCreated:"Listing created as a draft.",editListing:"Edit",lockedWhileReviewed:"This version is being reviewed and cannot be edited now.",markdownHelp:"Markdown: headings, lists, links and emphasis. HTML is not allowed.",categoriesHelp:"Category names from the marketplace, separated by commas (at most 3).",tagsHelp:"Words people may search for, separated by commas.",languagesHelp:"Language codes such as en, de, separated by commas.",captionN:n=>`Caption of screenshot ${n}`,addScreenshot:"Add a screenshot (PNG, WebP or SVG, at most 256 KiB)",remove:"Remove",installURLHelp:"Optional: where installing starts on your site; empty to start at the consent screen.",uploaded:"Image uploaded. Save to keep it.",preview:"Preview",runChecks:"Check before submitting",checksPassed:"Everything required is there: you can submit.",checksFailed:"Fix these before submitting:",submitForReview:"Submit for review",withdraw:"Withdraw submission",publish:"Publish",unlist:"Unlist",relist:"List again",transitionDone:n=>`Done: the listing is now ${n.toLowerCase()}.`,reviewerNote:"Note from the reviewer:",conversation:"Review history and notes",noTransitions:"Nothing has happened yet.",installsPerDay:"Installs and uninstalls per day",date:"Date",installsLabel:"Installs",uninstallsLabel:"Uninstalls",hiddenReview:"Hidden",yourReply:"Your reply",reply:"Reply",replyTo:n=>`Reply to ${n}`,replyPlaceholder:"Write a public reply",replySaved:"Reply published.",revisionN:n=>`revision ${n}`,actors:{admin:"operator",reviewer:"reviewer",developer:"developer"},workflowActions:{create:"Created",submit:"Submitted",withdraw:"Withdrew",start_review:"Start review",request_changes:"Request changes",approve:"Approve",publish:"Publish",suspend:"Suspend",reinstate:"Reinstate",unlist:"Unlist",relist:"List again"},consoleTitle:"Marketplace review",reviewQueue:"Review queue",show:"Show",queues:{review:"Waiting for review",approved:"Approved",published:"Published",suspended:"Suspended",changes:"Changes requested"},queueEmpty:"Nothing is waiting here.",updated:"Updated",liveVersion:n=>n?`Live version ${n}`:"Not published yet",changes:"Changes",compareWith:"Compare with",liveContent:"the live version",nothingBefore:"nothing (new listing)",noJustification:"no justification",renderedDescription:"Description as users see it",nothingToDecide:"Nothing to decide in this state.",noteLabel:"Note to the developer",noteHelp:"Required to request changes or to suspend; the developer sees it.",noteRequired:"Write a note: the developer needs to know why.",hideReason:"Reason for hiding",hideReview:"Hide review",reviewHidden:"Review hidden."},ht={lang:"de",loading:"Wird geladen \u2026",loadFailed:"Diese Seite konnte nicht geladen werden.",tokenMissing:"Diese Seite wurde ohne Zugangstoken ge\xF6ffnet. \xD6ffnen Sie sie erneut aus der Anwendung.",tokenExpired:"Ihre Sitzung ist abgelaufen. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",tokenRevoked:"Diese Sitzung wurde beendet. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",tokenInvalid:"Diese Sitzung ist ung\xFCltig. Laden Sie die Seite in der Anwendung neu, um fortzufahren.",capabilityMissing:"Sie haben keinen Zugriff auf diesen Bereich.",originNotAllowed:"Diese Seite darf auf dieser Website nicht angezeigt werden.",networkError:"Der Server ist nicht erreichbar. Pr\xFCfen Sie Ihre Verbindung und versuchen Sie es erneut.",contactSupport:"Support kontaktieren",dismiss:"Schlie\xDFen",cancel:"Abbrechen",close:"Schlie\xDFen",save:"Speichern",saved:"Gespeichert.",create:"Anlegen",required:"Pflichtfeld.",details:"Details",scopes:"Berechtigungen",webhooksTitle:"Webhooks",endpoints:"Endpunkte",endpoint:"Endpunkt",addEndpoint:"Endpunkt hinzuf\xFCgen",noEndpoints:"Noch keine Endpunkte. Legen Sie einen an, um Ereignisse zu empfangen.",noDescription:"Keine Beschreibung",allEventTypes:"alle Ereignistypen",disabled:"Deaktiviert",endpointURL:"URL des Endpunkts",description:"Beschreibung",eventTypeFilter:"Ereignistypen",eventTypeFilterHelp:"Nichts ausw\xE4hlen, um alle Ereignistypen zu empfangen.",channels:"Kan\xE4le",channelsHelp:"Durch Kommas getrennt; nur Nachrichten an einen dieser Kan\xE4le werden zugestellt. Leer: alle.",rateLimit:"Ratenlimit (pro Sekunde)",rateLimitHelp:"H\xF6chstens so viele Zustellungen pro Sekunde. Leer: kein Limit.",rateLimitInvalid:"Geben Sie eine ganze Zahl ab 1 ein.",headers:"Eigene Header",headersHelp:"Einer pro Zeile, als Name: Wert.",headersInvalid:"Jede Zeile muss die Form Name: Wert haben.",endpointCreated:"Endpunkt angelegt. Kopieren Sie jetzt sein Signaturgeheimnis, um Zustellungen zu pr\xFCfen.",eventCatalog:"Ereigniskatalog",noEventTypes:"Noch keine Ereignistypen verf\xFCgbar.",deprecated:"Veraltet",schema:"Schema",example:"Beispiel",notFound:"Nicht gefunden.",overview:"\xDCbersicht",deliveries:"Zustellungen",settings:"Einstellungen",health:"Zustand (letzte 24 Stunden)",successRate:"Erfolgsquote",latency:"Latenz",lastError:"Letzter Fehler",chartLabel:(n,s)=>`Zustellungen pro Stunde in den letzten 24 Stunden: ${n} insgesamt, ${s} fehlgeschlagen.`,signingSecret:"Signaturgeheimnis",secretHidden:"Das Geheimnis ist verborgen.",reveal:"Geheimnis anzeigen",hide:"Verbergen",copy:"Kopieren",copied:"Kopiert.",rotate:"Geheimnis erneuern",rotateConfirm:"Geheimnis erneuern? Das alte bleibt noch eine Weile g\xFCltig.",rotated:"Geheimnis erneuert. Hinterlegen Sie das neue Geheimnis in Ihrem Empf\xE4nger.",sendTest:"Testereignis senden",sendTestButton:"Testereignis senden",eventType:"Ereignistyp",payload:"Nutzdaten (JSON)",invalidJSON:"Das ist kein g\xFCltiges JSON.",testSent:"Testereignis gesendet. Sie finden es unter Zustellungen.",verifyTitle:"Signaturen pr\xFCfen",verifyHelp:"Jede Zustellung ist nach dem Standard-Webhooks-Verfahren signiert. So pr\xFCfen Sie sie in Ihrem Empf\xE4nger:",language:"Sprache",filters:"Zustellungen filtern",any:"Alle",status:"Status",since:"Von",until:"Bis",apply:"Anwenden",refresh:"Aktualisieren",succeeded:"Erfolgreich",failed:"Fehlgeschlagen",pending:"Ausstehend",attempts:"Versuche",created:"Erstellt",actions:"Aktionen",view:"Ansehen",viewAttempts:"Versuche ansehen",noDeliveries:"Keine passenden Zustellungen.",previous:"Vorherige Seite",next:"N\xE4chste Seite",delivery:"Zustellung",message:"Nachricht",attempt:"Versuch",noAttempts:"Noch nicht versucht.",request:"Anfrage",response:"Antwort",resend:"Erneut senden",resent:"Zustellung erneut eingereiht.",recoverTitle:"Fehlgeschlagene Zustellungen wiederholen",recoverHelp:"Alle seit einem Zeitpunkt fehlgeschlagenen Zustellungen erneut senden, etwa nach einem Ausfall Ihres Empf\xE4ngers.",recover:"Wiederholen",recoverProgress:n=>`${n} fehlgeschlagene Zustellungen erneut eingereiht.`,done:"Fertig.",readOnly:"Sie k\xF6nnen diesen Endpunkt ansehen, aber nicht \xE4ndern.",enable:"Aktivieren",disable:"Deaktivieren",enabledNotice:"Endpunkt aktiviert.",disabledNotice:"Endpunkt deaktiviert: Bis zur Aktivierung wird nichts an ihn zugestellt.",delete:"Endpunkt l\xF6schen",deleteConfirm:"Diesen Endpunkt endg\xFCltig l\xF6schen?",deleted:"Endpunkt gel\xF6scht.",connectionsTitle:"Verbindungen",noIntegrations:"Noch keine Integrationen verf\xFCgbar.",notConnected:"Nicht verbunden",connect:"Verbinden",reconnect:"Neu verbinden",disconnect:"Trennen",disconnectConfirm:n=>`${n} trennen?`,statusConnected:"Verbunden",statusNeedsReconnect:"Neu verbinden n\xF6tig",statusError:"Fehler",connectedNotice:"Verbunden.",connectFailed:"Die Verbindung wurde nicht hergestellt.",disconnectedNotice:"Getrennt.",account:"Konto",connectedSince:"Verbunden seit",lastRefreshed:"Zuletzt erneuert",appsTitle:"Autorisierte Apps",noApps:"Sie haben keine Apps autorisiert.",by:n=>`von ${n}`,unreviewed:"Nicht gepr\xFCft",grantedOn:n=>`Autorisiert am ${n}`,lastUsed:n=>`zuletzt genutzt am ${n}`,revoke:"Zugriff entziehen",revokeConfirm:n=>`${n} den Zugriff entziehen? Die App kann dann nicht mehr f\xFCr Sie handeln.`,revokedNotice:n=>`${n} hat keinen Zugriff mehr.`,accessRead:"lesen",accessWrite:"schreiben",accessAdmin:"verwalten",sessionInvalid:"Ihre Konsolensitzung ist beendet. Laden Sie die Seite neu und melden Sie sich erneut an.",marketplaceTitle:"Marktplatz",browse:"Durchsuchen",installedTab:"Installiert",searchLabel:"Apps und Integrationen suchen",search:"Suchen",results:"Ergebnisse",category:"Kategorie",allCategories:"Alle Kategorien",kindLabel:"Art",allKinds:"Alle Arten",kindApp:"App",kindIntegration:"Integration",sortLabel:"Sortieren nach",sorts:{relevance:"Relevanz",popular:"Meist installiert",rating:"Beste Bewertung",newest:"Neueste"},noListings:"Nichts gefunden. Versuchen Sie andere W\xF6rter oder eine andere Kategorie.",everything:"Alles",notInstalledYet:"Noch nicht installiert",installs:n=>n===1?"1 Installation":`${n} Installationen`,installedBadge:"Installiert",backToDirectory:"Alle Apps",install:"Installieren",installing:"Wird installiert \u2026",uninstall:"Deinstallieren",uninstallConfirm:n=>`${n} deinstallieren? Der Zugriff endet sofort.`,installStarted:n=>`Schlie\xDFen Sie die Installation von ${n} im ge\xF6ffneten Fenster ab.`,installedNotice:n=>`${n} ist installiert.`,installNotFinished:"Die Installation wurde nicht abgeschlossen.",uninstalledNotice:n=>`${n} wurde deinstalliert.`,nothingInstalled:"Ihr Team hat noch nichts aus dem Marktplatz installiert.",installedOn:n=>`Installiert am ${n}`,screenshots:"Bildschirmfotos",screenshotN:n=>`Bildschirmfoto ${n}`,dataAccess:"Worauf es zugreifen kann",why:"Warum:",noDataAccess:"Es verlangt keinen Zugriff auf Ihre Daten.",developer:"Entwickler",website:"Website",support:"Support",privacy:"Datenschutzerkl\xE4rung",terms:"Nutzungsbedingungen",pricing:"Preise",languages:"Sprachen",reviews:"Bewertungen",noReviews:"Noch keine Bewertungen.",distribution:"Bewertungen nach Anzahl der Sterne",noRatings:"Noch keine Bewertungen",ratedOf:(n,s)=>`Mit ${n} von 5 bewertet (${s===1?"1 Bewertung":`${s} Bewertungen`})`,starsN:n=>n===1?"1 Stern":`${n} Sterne`,writeReview:"Bewertung schreiben",editReview:"Ihre Bewertung bearbeiten",yourRating:"Ihre Bewertung in Sternen",yourReview:"Ihre Bewertung",publishReview:"Bewertung ver\xF6ffentlichen",ratingRequired:"W\xE4hlen Sie 1 bis 5 Sterne.",reviewSaved:"Danke: Ihre Bewertung ist ver\xF6ffentlicht.",anonymous:"Ein Benutzer",replyFrom:n=>`Antwort von ${n}`,states:{draft:"Entwurf",submitted:"Eingereicht",in_review:"In Pr\xFCfung",changes_requested:"\xC4nderungen erbeten",approved:"Freigegeben",published:"Ver\xF6ffentlicht",suspended:"Gesperrt",unlisted:"Nicht gelistet",superseded:"Ersetzt"},fields:{name:"Name",tagline:"Kurzbeschreibung",description:"Beschreibung",icon_url:"Symbol",screenshots:"Bildschirmfotos",categories:"Kategorien",tags:"Schlagw\xF6rter",website_url:"Website",support_url:"Support-Seite",support_email:"Support-E-Mail",privacy_url:"Datenschutzerkl\xE4rung",terms_url:"Nutzungsbedingungen",install_url:"Installations-URL",pricing:"Preise",languages:"Sprachen",scope_justifications:"Wozu jede Berechtigung n\xF6tig ist"},noChanges:"Keine Unterschiede.",added:"hinzugef\xFCgt:",removed:"entfernt:",developerTitle:"Ihre Marktplatz-Eintr\xE4ge",yourListings:"Eintr\xE4ge",newListing:"Neuer Eintrag",noOwnListings:"Sie haben noch keine Eintr\xE4ge. Legen Sie einen f\xFCr eine Ihrer Apps an.",version:"Live-Version",activeInstalls:"Aktive Installationen",revisionState:n=>`\xC4nderungen: ${n}`,app:"App",newApp:"Neue App",noAppsYet:"Legen Sie zuerst eine App an: Ein Eintrag stellt eine Ihrer Apps vor.",redirectURI:"Weiterleitungs-URI",scopesHelp:"Die Berechtigungen, die Ihre App erbittet, durch Kommas getrennt.",createApp:"App anlegen",appCreated:n=>`App ${n} angelegt. Kopieren Sie jetzt ihr Client-Secret: Es wird nicht erneut angezeigt.`,clientSecret:"Client-Secret",slug:"Adressname",slugHelp:"Kleinbuchstaben, Ziffern und Bindestriche; sp\xE4ter nicht \xE4nderbar.",developerName:"Entwicklername f\xFCr Benutzer",createListing:"Eintrag anlegen",listingCreated:"Eintrag als Entwurf angelegt.",editListing:"Bearbeiten",lockedWhileReviewed:"Diese Version wird gepr\xFCft und kann jetzt nicht bearbeitet werden.",markdownHelp:"Markdown: \xDCberschriften, Listen, Links und Hervorhebungen. HTML ist nicht erlaubt.",categoriesHelp:"Kategorienamen des Marktplatzes, durch Kommas getrennt (h\xF6chstens 3).",tagsHelp:"W\xF6rter, nach denen gesucht werden kann, durch Kommas getrennt.",languagesHelp:"Sprachcodes wie en, de, durch Kommas getrennt.",captionN:n=>`Bildunterschrift von Bildschirmfoto ${n}`,addScreenshot:"Bildschirmfoto hinzuf\xFCgen (PNG, WebP oder SVG, h\xF6chstens 256 KiB)",remove:"Entfernen",installURLHelp:"Optional: wo die Installation auf Ihrer Website beginnt; leer, um beim Zustimmungsdialog zu beginnen.",uploaded:"Bild hochgeladen. Speichern Sie, um es zu behalten.",preview:"Vorschau",runChecks:"Vor dem Einreichen pr\xFCfen",checksPassed:"Alles N\xF6tige ist vorhanden: Sie k\xF6nnen einreichen.",checksFailed:"Beheben Sie dies vor dem Einreichen:",submitForReview:"Zur Pr\xFCfung einreichen",withdraw:"Einreichung zur\xFCckziehen",publish:"Ver\xF6ffentlichen",unlist:"Nicht mehr listen",relist:"Wieder listen",transitionDone:n=>`Erledigt: Der Eintrag ist jetzt im Zustand \u201E${n}\u201C.`,reviewerNote:"Notiz der Pr\xFCfung:",conversation:"Pr\xFCfverlauf und Notizen",noTransitions:"Noch ist nichts geschehen.",installsPerDay:"Installationen und Deinstallationen pro Tag",date:"Datum",installsLabel:"Installationen",uninstallsLabel:"Deinstallationen",hiddenReview:"Ausgeblendet",yourReply:"Ihre Antwort",reply:"Antworten",replyTo:n=>`${n} antworten`,replyPlaceholder:"\xD6ffentliche Antwort schreiben",replySaved:"Antwort ver\xF6ffentlicht.",revisionN:n=>`Revision ${n}`,actors:{admin:"Betreiber",reviewer:"Pr\xFCfer",developer:"Entwickler"},workflowActions:{create:"Angelegt",submit:"Eingereicht",withdraw:"Zur\xFCckgezogen",start_review:"Pr\xFCfung beginnen",request_changes:"\xC4nderungen erbitten",approve:"Freigeben",publish:"Ver\xF6ffentlichen",suspend:"Sperren",reinstate:"Wieder freischalten",unlist:"Nicht mehr listen",relist:"Wieder listen"},consoleTitle:"Marktplatz-Pr\xFCfung",reviewQueue:"Pr\xFCfwarteschlange",show:"Zeigen",queues:{review:"Wartet auf Pr\xFCfung",approved:"Freigegeben",published:"Ver\xF6ffentlicht",suspended:"Gesperrt",changes:"\xC4nderungen erbeten"},queueEmpty:"Hier wartet nichts.",updated:"Aktualisiert",liveVersion:n=>n?`Live-Version ${n}`:"Noch nicht ver\xF6ffentlicht",changes:"\xC4nderungen",compareWith:"Vergleichen mit",liveContent:"der Live-Version",nothingBefore:"nichts (neuer Eintrag)",noJustification:"keine Begr\xFCndung",renderedDescription:"Beschreibung, wie Benutzer sie sehen",nothingToDecide:"In diesem Zustand gibt es nichts zu entscheiden.",noteLabel:"Notiz an den Entwickler",noteHelp:"N\xF6tig, um \xC4nderungen zu erbitten oder zu sperren; der Entwickler sieht sie.",noteRequired:"Schreiben Sie eine Notiz: Der Entwickler muss wissen, warum.",hideReason:"Grund f\xFCr das Ausblenden",hideReview:"Bewertung ausblenden",reviewHidden:"Bewertung ausgeblendet."},ze={en:ut,de:ht};function G(n){let s=(n??"").toLowerCase().split(/[-_]/)[0];return s in ze?s:"en"}function Fe(n){return ze[G(n)]}var Ue=ee`
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
  .grow { flex: 1 1 12rem; min-width: 0; }
  .filters { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-end; margin-bottom: var(--pb-space); }
  .filters label { margin-top: 0; }
  label.inline { display: inline; margin-right: 0.4rem; }
  select { width: auto; }
  .cards { list-style: none; padding: 0; margin: 0 0 var(--pb-space); display: grid; gap: var(--pb-space); grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
  .cards .card { margin: 0; }
  .listing-card h3 { margin: 0; }
  button.title { font-weight: 600; font-size: 1rem; text-align: left; padding: 0; }
  .icon { width: 48px; height: 48px; border-radius: 10px; object-fit: contain; flex: none; }
  .monogram { display: inline-flex; align-items: center; justify-content: center; background: var(--pb-accent); color: var(--pb-on-accent); font-weight: 700; font-size: 1.2rem; }
  .stars { color: var(--pb-text); letter-spacing: 0.05em; }
  .tagline { font-size: 1.05rem; }
  .columns { display: flex; flex-wrap: wrap; gap: calc(var(--pb-space) * 1.5); align-items: flex-start; }
  .columns > * { flex: 1 1 20rem; min-width: 0; }
  .columns > aside { flex: 0 1 18rem; }
  .description { overflow-wrap: anywhere; }
  .description img { max-width: 100%; }
  .shots { list-style: none; padding: 0; display: flex; gap: var(--pb-space); overflow-x: auto; margin: var(--pb-space) 0; }
  .shots figure { margin: 0; }
  .shots img { max-height: 14rem; max-width: 80vw; border: 1px solid var(--pb-border); border-radius: var(--pb-radius); }
  ul.plain.links > li { border: none; padding: 0.15rem 0; }
  nav button[aria-current="page"] { border-color: var(--pb-accent); box-shadow: inset 0 -3px 0 var(--pb-accent); font-weight: 600; }
  a { color: var(--pb-focus); }
  .distribution { max-width: 24rem; }
  .distribution th, .distribution td { border: none; padding: 0.1rem 0.4rem; font-weight: 400; }
  .bar-cell { width: 60%; }
  .bar { display: block; height: 0.6rem; min-width: 2px; background: var(--pb-accent); border-radius: 999px; }
  .reply, .note { border-left: 3px solid var(--pb-border); margin: 0.4rem 0 0.4rem 0.5rem; padding: 0.2rem 0.75rem; white-space: pre-wrap; }
  .conversation > li { padding: 0.4rem 0; }
  .diff dt { font-weight: 600; margin-top: 0.6rem; }
  .diff dd { margin: 0; }
  .diff .add { background: light-dark(#dcfce7, #14532d); display: block; }
  .diff .del { background: light-dark(#fee2e2, #7f1d1d); display: block; text-decoration: line-through; }
  svg .ok-bar { fill: var(--pb-success); }
  svg .fail-bar { fill: var(--pb-danger); }
  @container (max-width: 480px) {
    .root { padding: calc(var(--pb-space) / 2); }
    th.optional, td.optional { display: none; }
  }
`;var gt=(()=>{let n=document.currentScript?.src;try{return n?new URL(n).origin:location.origin}catch{return location.origin}})(),b=class extends T{constructor(){super(...arguments);this.token="";this.theme="";this.apiBase="";this.csrf="";this.sessionBase="";this.busy=!1;this.confirming=""}static{this.styles=Ue}static{this.properties={token:{type:String},lang:{type:String},theme:{type:String},apiBase:{type:String,attribute:"api-base"},csrf:{type:String},session:{state:!0},fatal:{state:!0},notice:{state:!0},busy:{state:!0},confirming:{state:!0}}}get m(){return Fe(G(this.lang||this.session?.locale||navigator.language))}willUpdate(e){(e.has("theme")||e.has("session"))&&(this.dataset.scheme=this.theme||this.session?.branding?.theme||"auto")}updated(e){(e.has("token")||e.has("apiBase")||e.has("csrf"))&&(this.token||this.csrf&&this.sessionBase)&&this.start()}async start(){let e=(this.apiBase||gt).replace(/\/$/,"");this.api=this.token?new y(e+"/embed/v1",this.token):new y(e+this.sessionBase,"",this.csrf),this.fatal=void 0,this.notice=void 0,await this.run(async()=>{this.session=await this.api.get("/session"),this.applyBranding(this.session.branding),await this.load()})}applyBranding(e){let t=e?.accent_color;t&&/^#[0-9a-f]{6}$/i.test(t)&&(this.style.setProperty("--pb-accent",t),this.style.setProperty("--pb-on-accent",mt(t)))}async run(e){this.busy=!0;try{return await e(),!0}catch(t){let i=t instanceof $?t:new $(0,"client",String(t));return this.emit("patchbay:error",{status:i.status,code:i.code,message:i.message}),i.tokenDead||i.code==="capability_missing"||i.code==="origin_not_allowed"||!this.session?this.fatal=i:this.notice={text:i.message,error:!0},!1}finally{this.busy=!1}}say(e){this.notice={text:e,error:!1}}emit(e,t){this.dispatchEvent(new CustomEvent(e,{detail:t,bubbles:!0,composed:!0}))}confirmable(e,t,i,a,r,d=!0){return this.confirming!==e?o`<button class=${d?"danger":""} @click=${async()=>{this.confirming=e,await this.updateComplete,this.renderRoot.querySelector(`[data-confirm="${CSS.escape(e)}"]`)?.focus()}}>${t}</button>`:o`<span role="group" aria-label=${a} class="row">
      <span>${a}</span>
      <button class="danger" data-confirm=${e} @click=${()=>(this.confirming="",r())}>${i}</button>
      <button @click=${()=>this.confirming=""}>${this.m.cancel}</button>
    </span>`}fatalMessage(e){let t=this.m;switch(e.code){case"token_expired":return t.tokenExpired;case"token_revoked":return t.tokenRevoked;case"token_invalid":return t.tokenInvalid;case"session_invalid":return t.sessionInvalid;case"capability_missing":return t.capabilityMissing;case"origin_not_allowed":return t.originNotAllowed;case"network":return t.networkError}return`${t.loadFailed} ${e.message}`}render(){let e=this.m,t=this.session?.branding;return o`<div class="root" part="root" lang=${G(this.lang||this.session?.locale||navigator.language)}>
      <header part="header">
        ${t?.logo_url?o`<img src=${t.logo_url} alt="" part="logo" />`:l}
        <h1 part="title" tabindex="-1">${this.heading()}</h1>
        ${t?.product_name?o`<span class="muted">${t.product_name}</span>`:l}
      </header>
      ${this.fatal?o`<div class="notice error" role="alert" part="error">
            <p><strong>${this.fatalMessage(this.fatal)}</strong></p>
            ${t?.support_url?o`<p><a href=${t.support_url} target="_blank" rel="noopener">${e.contactSupport}</a></p>`:l}
          </div>`:!this.token&&!this.csrf?o`<p class="notice error" role="alert" part="error">${e.tokenMissing}</p>`:this.session?o`${this.notice?o`<div class="notice ${this.notice.error?"error":""}" role=${this.notice.error?"alert":"status"} part="notice">
                      ${this.notice.text}
                      <button class="link" @click=${()=>this.notice=void 0} aria-label=${e.dismiss}>&times;</button>
                    </div>`:l}
                ${this.body()}`:o`<p role="status" aria-live="polite">${e.loading}</p>`}
    </div>`}};function mt(n){let s=[1,3,5].map(t=>parseInt(n.slice(t,t+2),16)/255).map(t=>t<=.03928?t/12.92:((t+.055)/1.055)**2.4),e=.2126*s[0]+.7152*s[1]+.0722*s[2];return(e+.05)/.05>1.05/(e+.05)?"#000000":"#ffffff"}function f(n,s){if(!n)return"";let e=new Date(n);return isNaN(e.getTime())?n:e.toLocaleString(s,{dateStyle:"medium",timeStyle:"short"})}var Ve=[["node","Node.js"],["python","Python"],["go","Go"],["php","PHP"],["ruby","Ruby"]],vt={node:`import { createHmac, timingSafeEqual } from "node:crypto";

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
end`};function je(n){return vt[n]}var he=class extends b{constructor(){super(...arguments);this.view={kind:"endpoints"};this.endpoints=[];this.eventTypes=[];this.fieldErrors={};this.sampleLang="node";this.filter={event_type:"",status:"",since:"",until:""}}static{this.properties={...b.properties,view:{state:!0},endpoints:{state:!0},eventTypes:{state:!0},secret:{state:!0},deliveries:{state:!0},delivery:{state:!0},stats:{state:!0},recovery:{state:!0},fieldErrors:{state:!0},sampleLang:{state:!0},filter:{state:!0}}}heading(){return this.m.webhooksTitle}get canWrite(){return this.session?.capabilities.includes("webhooks")??!1}async load(){let[e,t]=await Promise.all([this.api.get("/event-types?limit=100"),this.api.get("/endpoints?limit=100")]);this.eventTypes=e.data,this.endpoints=t.data}disconnectedCallback(){super.disconnectedCallback(),window.clearTimeout(this.recoveryTimer)}endpoint(){let e=this.view;return e.kind==="endpoint"?this.endpoints.find(t=>t.id===e.id):void 0}go(e){this.view=e,this.fieldErrors={},this.confirming="",this.notice=void 0,e.kind!=="endpoint"&&(this.secret=void 0,this.delivery=void 0,this.deliveries=void 0,this.stats=void 0,window.clearTimeout(this.recoveryTimer),this.recovery=void 0),e.kind==="endpoint"&&e.tab==="overview"&&this.run(()=>this.loadStats(e.id)),e.kind==="endpoint"&&e.tab==="deliveries"&&this.run(()=>this.loadDeliveries("")),this.updateComplete.then(()=>this.renderRoot.querySelector("h2")?.focus())}body(){let e=this.m,t=this.view;return o`
      <nav aria-label=${e.webhooksTitle} class="row" part="nav">
        <button aria-current=${t.kind==="endpoints"||t.kind==="endpoint"||t.kind==="new"?"page":"false"} @click=${()=>this.go({kind:"endpoints"})}>${e.endpoints}</button>
        <button aria-current=${t.kind==="catalog"?"page":"false"} @click=${()=>this.go({kind:"catalog"})}>${e.eventCatalog}</button>
      </nav>
      ${t.kind==="endpoints"?this.endpointList():l}
      ${t.kind==="new"?this.endpointForm():l}
      ${t.kind==="catalog"?this.catalog():l}
      ${t.kind==="endpoint"?this.endpointView(t.tab):l}
    `}endpointList(){let e=this.m;return o`<section part="endpoints">
      <div class="row spread">
        <h2 tabindex="-1">${e.endpoints}</h2>
        ${this.canWrite?o`<button class="primary" part="button-primary" @click=${()=>this.go({kind:"new"})}>${e.addEndpoint}</button>`:l}
      </div>
      ${this.endpoints.length===0?o`<p class="muted">${e.noEndpoints}</p>`:o`<ul class="plain">
            ${this.endpoints.map(t=>o`<li class="row spread" part="endpoint">
                <div>
                  <button class="link" @click=${()=>this.go({kind:"endpoint",id:t.id,tab:"overview"})}><code>${t.url}</code></button>
                  ${t.disabled?o`<span class="badge error">${e.disabled}</span>`:l}
                  <div class="muted">${t.description||e.noDescription} &middot; ${t.event_types?.length?t.event_types.join(", "):e.allEventTypes}</div>
                </div>
              </li>`)}
          </ul>`}
    </section>`}endpointForm(e){let t=this.m,i=this.fieldErrors,a=c=>`ep-${c}`,r=c=>i[c]?`${a(c)}-error`:l,d=c=>i[c]?o`<div class="field-error" id="${a(c)}-error">${i[c]}</div>`:l;return o`<form part="form" @submit=${c=>this.saveEndpoint(c,e)} novalidate>
      ${e?l:o`<h2 tabindex="-1">${t.addEndpoint}</h2>`}
      <label for=${a("url")}>${t.endpointURL}</label>
      <input id=${a("url")} name="url" type="url" required placeholder="https://" .value=${e?.url??""} aria-invalid=${i.url?"true":"false"} aria-describedby=${r("url")} />
      ${d("url")}
      <label for=${a("description")}>${t.description}</label>
      <input id=${a("description")} name="description" .value=${e?.description??""} aria-describedby=${r("description")} />
      ${d("description")}
      <fieldset aria-describedby=${r("event_types")}>
        <legend>${t.eventTypeFilter}</legend>
        <p class="muted">${t.eventTypeFilterHelp}</p>
        ${this.eventTypes.map(c=>o`<label><input type="checkbox" name="event_types" value=${c.name} .checked=${e?.event_types?.includes(c.name)??!1} />${c.name}</label>`)}
      </fieldset>
      ${d("event_types")}
      <label for=${a("channels")}>${t.channels}</label>
      <input id=${a("channels")} name="channels" .value=${e?.channels?.join(", ")??""} aria-describedby="${a("channels")}-help" />
      <div class="muted" id="${a("channels")}-help">${t.channelsHelp}</div>
      ${d("channels")}
      <label for=${a("rate_limit")}>${t.rateLimit}</label>
      <input id=${a("rate_limit")} name="rate_limit" type="number" min="1" inputmode="numeric" .value=${e?.rate_limit?String(e.rate_limit):""} aria-describedby="${a("rate_limit")}-help" />
      <div class="muted" id="${a("rate_limit")}-help">${t.rateLimitHelp}</div>
      ${d("rate_limit")}
      <label for=${a("headers")}>${t.headers}</label>
      <textarea id=${a("headers")} name="headers" aria-describedby="${a("headers")}-help" .value=${Object.entries(e?.headers??{}).map(([c,p])=>`${c}: ${p}`).join(`
`)}></textarea>
      <div class="muted" id="${a("headers")}-help">${t.headersHelp}</div>
      ${d("headers")}
      <div class="row" style="margin-top:1rem">
        <button class="primary" type="submit" part="button-primary" ?disabled=${this.busy}>${e?t.save:t.create}</button>
        ${e?l:o`<button type="button" @click=${()=>this.go({kind:"endpoints"})}>${t.cancel}</button>`}
      </div>
    </form>`}async saveEndpoint(e,t){e.preventDefault();let i=this.m,a=new FormData(e.target),r={},d=String(a.get("url")??"").trim();d||(r.url=i.required);let c={};for(let u of String(a.get("headers")??"").split(`
`)){if(!u.trim())continue;let h=u.indexOf(":");h<=0?r.headers=i.headersInvalid:c[u.slice(0,h).trim()]=u.slice(h+1).trim()}let p=String(a.get("rate_limit")??"").trim();if(p&&!(Number(p)>=1&&Number.isInteger(Number(p)))&&(r.rate_limit=i.rateLimitInvalid),this.fieldErrors=r,Object.keys(r).length)return this.focusFirstError();let g={url:d,description:String(a.get("description")??""),event_types:a.getAll("event_types").map(String),channels:String(a.get("channels")??"").split(",").map(u=>u.trim()).filter(Boolean),rate_limit:p?Number(p):null,headers:c};await this.run(async()=>{try{if(t){let u=await this.api.request("PATCH",`/endpoints/${m(t.id)}`,g);this.endpoints=this.endpoints.map(h=>h.id===u.id?u:h),this.emit("patchbay:endpoint-updated",{endpoint_id:u.id,url:u.url}),this.say(i.saved)}else{let u=await this.api.request("POST","/endpoints",g);this.endpoints=[...this.endpoints,{...u,secret:void 0}],this.emit("patchbay:endpoint-created",{endpoint_id:u.id,url:u.url}),this.go({kind:"endpoint",id:u.id,tab:"overview"}),this.secret=u.secret,this.say(i.endpointCreated)}}catch(u){if(u?.fields&&Object.keys(u.fields).length){this.fieldErrors=u.fields,await this.focusFirstError();return}throw u}})}async focusFirstError(){await this.updateComplete,this.renderRoot.querySelector('[aria-invalid="true"], .field-error')?.focus?.()}catalog(){let e=this.m;return o`<section part="catalog">
      <h2 tabindex="-1">${e.eventCatalog}</h2>
      ${this.eventTypes.length===0?o`<p class="muted">${e.noEventTypes}</p>`:l}
      <ul class="plain">
        ${this.eventTypes.map(t=>o`<li part="event-type">
            <h3><code>${t.name}</code> ${t.deprecated?o`<span class="badge">${e.deprecated}</span>`:l}</h3>
            <p>${t.description}</p>
            ${t.schema?o`<details><summary>${e.schema}</summary><pre tabindex="0">${JSON.stringify(t.schema,null,2)}</pre></details>`:l}
            ${t.example?o`<details><summary>${e.example}</summary><pre tabindex="0">${JSON.stringify(t.example,null,2)}</pre></details>`:l}
          </li>`)}
      </ul>
    </section>`}endpointView(e){let t=this.m,i=this.endpoint();if(!i)return o`<p>${t.notFound}</p>`;let a=[["overview",t.overview],["deliveries",t.deliveries],["settings",t.settings]];return o`<section part="endpoint-detail">
      <button class="link" @click=${()=>this.go({kind:"endpoints"})}>&larr; ${t.endpoints}</button>
      <h2 tabindex="-1"><code>${i.url}</code> ${i.disabled?o`<span class="badge error">${t.disabled}</span>`:l}</h2>
      ${i.disabled_reason?o`<p class="error">${i.disabled_reason}</p>`:l}
      <div role="tablist" aria-label=${t.endpoint} @keydown=${this.tabKeys}>
        ${a.map(([r,d])=>o`<button role="tab" id="tab-${r}" aria-controls="panel" aria-selected=${e===r?"true":"false"} tabindex=${e===r?"0":"-1"}
            @click=${()=>this.go({kind:"endpoint",id:i.id,tab:r})}>${d}</button>`)}
      </div>
      <div role="tabpanel" id="panel" aria-labelledby="tab-${e}">
        ${e==="overview"?this.overview(i):l}
        ${e==="deliveries"?this.deliveryLog(i):l}
        ${e==="settings"?this.settings(i):l}
      </div>
    </section>`}tabKeys(e){if(e.key!=="ArrowRight"&&e.key!=="ArrowLeft")return;let t=[...this.renderRoot.querySelectorAll('[role="tab"]')],i=t.indexOf(e.target);t[(i+(e.key==="ArrowRight"?1:t.length-1))%t.length].click(),this.updateComplete.then(()=>this.renderRoot.querySelector('[role="tab"][aria-selected="true"]')?.focus())}overview(e){let t=this.m;return o`
      <div class="card" part="health">
        <h3>${t.health}</h3>
        ${this.stats?this.health(this.stats):o`<p class="muted">${t.loading}</p>`}
      </div>
      <div class="card" part="secret">
        <h3>${t.signingSecret}</h3>
        ${this.secret?o`<p><code id="secret-value" part="secret-value">${this.secret}</code></p>
              <button @click=${()=>navigator.clipboard?.writeText(this.secret).then(()=>this.say(t.copied))}>${t.copy}</button>
              <button @click=${()=>this.secret=void 0}>${t.hide}</button>`:o`<p class="muted">${t.secretHidden}</p>
              <button @click=${()=>this.run(async()=>{this.secret=(await this.api.get(`/endpoints/${m(e.id)}/secret`)).secret})}>${t.reveal}</button>`}
        ${this.canWrite?this.confirmable("rotate",t.rotate,t.rotate,t.rotateConfirm,()=>this.rotate(e),!1):l}
      </div>
      ${this.canWrite?this.testForm(e):l}
      <div class="card" part="verify-sample">
        <h3>${t.verifyTitle}</h3>
        <p class="muted">${t.verifyHelp}</p>
        <label for="sample-lang">${t.language}</label>
        <select id="sample-lang" @change=${i=>this.sampleLang=i.target.value}>
          ${Ve.map(([i,a])=>o`<option value=${i} ?selected=${i===this.sampleLang}>${a}</option>`)}
        </select>
        <pre tabindex="0" aria-label=${t.verifyTitle}><code>${je(this.sampleLang)}</code></pre>
      </div>
    `}health(e){let t=this.m,i=e.success_rate==null||!e.attempts?"\u2013":`${(e.success_rate*100).toFixed(1)} %`,a=h=>h==null||!e.attempts?"\u2013":`${Math.round(h)} ms`,r=Math.max(1,...e.buckets.map(h=>h.succeeded+h.failed)),d=240,c=48,p=e.buckets.length?d/e.buckets.length:d,g=e.buckets.reduce((h,v)=>h+v.succeeded+v.failed,0),u=e.buckets.reduce((h,v)=>h+v.failed,0);return o`<dl class="row" style="gap:1.5rem">
        <div><dt class="muted">${t.successRate}</dt><dd style="margin:0" data-testid="success-rate">${i}</dd></div>
        <div><dt class="muted">${t.latency} p50</dt><dd style="margin:0">${a(e.latency_ms?.p50)}</dd></div>
        <div><dt class="muted">${t.latency} p99</dt><dd style="margin:0">${a(e.latency_ms?.p99)}</dd></div>
      </dl>
      <svg part="chart" role="img" viewBox="0 0 ${d} ${c}" width="100%" height=${c} preserveAspectRatio="none" aria-label=${t.chartLabel(g,u)}>
        ${e.buckets.map((h,v)=>{let S=h.succeeded/r*c,we=h.failed/r*c;return Me`<rect class="ok-bar" x=${v*p} y=${c-S} width=${Math.max(p-1,1)} height=${S}></rect>
            <rect class="fail-bar" x=${v*p} y=${c-S-we} width=${Math.max(p-1,1)} height=${we}></rect>`})}
      </svg>
      ${e.last_error?o`<p><span class="muted">${t.lastError}:</span> <span class="error">${e.last_error}</span></p>`:l}`}async loadStats(e){this.stats=await this.api.get(`/endpoints/${m(e)}/stats?window=24h`)}async rotate(e){await this.run(async()=>{this.secret=(await this.api.request("POST",`/endpoints/${m(e.id)}/secret/rotate`)).secret,this.say(this.m.rotated)})}testForm(e){let t=this.m,i=e.event_types?.length?this.eventTypes.filter(r=>e.event_types.includes(r.name)):this.eventTypes,a=r=>JSON.stringify(this.eventTypes.find(d=>d.name===r)?.example??{},null,2);return o`<form class="card" part="test-form" @submit=${r=>this.sendTest(r,e)}>
      <h3>${t.sendTest}</h3>
      <label for="test-type">${t.eventType}</label>
      <select id="test-type" name="event_type" @change=${r=>{let d=this.renderRoot.querySelector("#test-payload");d&&(d.value=a(r.target.value))}}>
        ${i.map(r=>o`<option value=${r.name}>${r.name}</option>`)}
      </select>
      <label for="test-payload">${t.payload}</label>
      <textarea id="test-payload" name="payload" .value=${i[0]?a(i[0].name):"{}"} aria-describedby=${this.fieldErrors.payload?"test-payload-error":l}></textarea>
      ${this.fieldErrors.payload?o`<div class="field-error" id="test-payload-error">${this.fieldErrors.payload}</div>`:l}
      <div class="row" style="margin-top:.5rem"><button class="primary" part="button-primary" type="submit" ?disabled=${this.busy||!i.length}>${t.sendTestButton}</button></div>
    </form>`}async sendTest(e,t){e.preventDefault();let i=new FormData(e.target),a=String(i.get("event_type")??""),r;try{r=JSON.parse(String(i.get("payload")||"{}")),this.fieldErrors={}}catch{this.fieldErrors={payload:this.m.invalidJSON};return}await this.run(async()=>{let d=await this.api.request("POST",`/endpoints/${m(t.id)}/test`,{event_type:a,payload:r});this.emit("patchbay:test-sent",{endpoint_id:t.id,event_type:a,message_id:d.message_id,delivery_id:d.delivery_id}),this.say(this.m.testSent)})}async loadDeliveries(e,t=!1){let i=this.endpoint();if(!i)return;let a=this.filter,r=p=>p?new Date(p).toISOString():void 0,d=await this.api.get(`/endpoints/${m(i.id)}/deliveries`+y.query({event_type:a.event_type,status:a.status,since:r(a.since),until:r(a.until),limit:20,cursor:e})),c=this.deliveries?.cursors??[];this.deliveries={...d,cursors:t?c.slice(0,-1):e?[...c,e]:[]}}deliveryLog(e){let t=this.m,i=this.deliveries,a=r=>r==="succeeded"?t.succeeded:r==="failed"?t.failed:t.pending;return o`
      <form class="card" part="delivery-filters" @submit=${r=>{r.preventDefault();let d=new FormData(r.target);this.filter={event_type:String(d.get("event_type")),status:String(d.get("status")),since:String(d.get("since")),until:String(d.get("until"))},this.deliveries=void 0,this.run(()=>this.loadDeliveries(""))}}>
        <h3>${t.filters}</h3>
        <div class="row">
          <div><label for="f-type">${t.eventType}</label>
            <select id="f-type" name="event_type"><option value="">${t.any}</option>
              ${this.eventTypes.map(r=>o`<option value=${r.name} ?selected=${this.filter.event_type===r.name}>${r.name}</option>`)}</select></div>
          <div><label for="f-status">${t.status}</label>
            <select id="f-status" name="status"><option value="">${t.any}</option>
              ${["succeeded","failed","pending"].map(r=>o`<option value=${r} ?selected=${this.filter.status===r}>${a(r)}</option>`)}</select></div>
          <div><label for="f-since">${t.since}</label><input id="f-since" name="since" type="datetime-local" .value=${this.filter.since} /></div>
          <div><label for="f-until">${t.until}</label><input id="f-until" name="until" type="datetime-local" .value=${this.filter.until} /></div>
        </div>
        <div class="row" style="margin-top:.5rem"><button type="submit">${t.apply}</button>
          <button type="button" @click=${()=>this.run(()=>this.loadDeliveries(i?.cursors.at(-1)??""))}>${t.refresh}</button></div>
      </form>
      ${this.delivery?this.deliveryDetail(this.delivery):l}
      ${i?i.data.length===0?o`<p class="muted" role="status">${t.noDeliveries}</p>`:o`<div class="table-wrap"><table part="deliveries">
              <caption class="sr-only">${t.deliveries}</caption>
              <thead><tr><th>${t.eventType}</th><th>${t.status}</th><th class="optional">${t.attempts}</th><th class="optional">${t.created}</th><th><span class="sr-only">${t.actions}</span></th></tr></thead>
              <tbody>${i.data.map(r=>o`<tr data-delivery=${r.id}>
                  <td><code>${r.event_type}</code></td>
                  <td><span class="badge ${r.status==="succeeded"?"ok":r.status==="failed"?"error":""}">${a(r.status)}</span>${r.last_status_code?o` <span class="muted">${r.last_status_code}</span>`:l}</td>
                  <td class="optional">${r.attempts}</td>
                  <td class="optional">${f(r.created_at,this.m.lang)}</td>
                  <td><button @click=${()=>this.openDelivery(r.id)} aria-label="${t.viewAttempts}: ${r.event_type} ${f(r.created_at,this.m.lang)}">${t.view}</button></td>
                </tr>`)}</tbody></table></div>`:o`<p class="muted" role="status">${t.loading}</p>`}
      <div class="row" style="margin-top:.5rem">
        ${i?.cursors.length?o`<button @click=${()=>this.run(()=>this.loadDeliveries(i.cursors.at(-2)??"",!0))}>${t.previous}</button>`:l}
        ${i?.next_cursor?o`<button @click=${()=>this.run(()=>this.loadDeliveries(i.next_cursor))}>${t.next}</button>`:l}
      </div>
      ${this.canWrite?this.recoverForm(e):l}`}async openDelivery(e){await this.run(async()=>{let t=await this.api.get(`/deliveries/${m(e)}`),i=Array.isArray(t.attempts)?t.attempts:[];this.delivery={...t,attempts:i.length,attempts_detail:i},await this.updateComplete,this.renderRoot.querySelector("#delivery-detail h3")?.focus()})}deliveryDetail(e){let t=this.m,i=r=>Object.entries(r??{}).map(([d,c])=>`${d}: ${c}
`).join(""),a=r=>r==null?"":typeof r=="string"?r:JSON.stringify(r,null,2);return o`<div class="card" id="delivery-detail" part="delivery-detail">
      <div class="row spread">
        <h3 tabindex="-1">${t.delivery} <code>${e.id}</code></h3>
        <button @click=${()=>this.delivery=void 0}>${t.close}</button>
      </div>
      <p class="muted">${e.event_type} &middot; ${t.message} <code>${e.message_id}</code></p>
      ${this.canWrite?o`<button @click=${()=>this.resend(e.id)}>${t.resend}</button>`:l}
      ${e.attempts_detail.length===0?o`<p class="muted">${t.noAttempts}</p>`:l}
      ${e.attempts_detail.map((r,d)=>o`<details ?open=${d===e.attempts_detail.length-1} part="attempt">
          <summary>${t.attempt} ${d+1}: ${r.status_code??r.error??"\u2013"} &middot; ${r.duration_ms} ms &middot; ${f(r.started_at,this.m.lang)}</summary>
          ${r.error?o`<p class="error">${r.error}</p>`:l}
          <h4>${t.request}</h4>
          <pre tabindex="0">POST ${r.request?.url}\n${i(r.request?.headers)}\n${a(r.request?.body)}</pre>
          <h4>${t.response}</h4>
          <pre tabindex="0">${r.status_code??""}\n${i(r.response?.headers)}\n${a(r.response?.body)}</pre>
        </details>`)}
    </div>`}async resend(e){await this.run(async()=>{await this.api.request("POST",`/deliveries/${m(e)}/resend`),this.say(this.m.resent),await this.loadDeliveries(this.deliveries?.cursors.at(-1)??"")})}recoverForm(e){let t=this.m,i=this.recovery;return o`<form class="card" part="recover" @submit=${a=>this.recover(a,e)}>
      <h3>${t.recoverTitle}</h3>
      <p class="muted">${t.recoverHelp}</p>
      <label for="recover-since">${t.since}</label>
      <input id="recover-since" name="since" type="datetime-local" required />
      <div class="row" style="margin-top:.5rem"><button type="submit" ?disabled=${this.busy||i&&!J(i)}>${t.recover}</button></div>
      ${i?o`<div role="status" aria-live="polite">
            ${J(i)?l:o`<progress aria-label=${t.recoverTitle}></progress>`}
            ${t.recoverProgress(i.resent)} ${J(i)?t.done:""}
          </div>`:l}
    </form>`}async recover(e,t){e.preventDefault();let i=String(new FormData(e.target).get("since")??"");i&&await this.run(async()=>{this.recovery=await this.api.request("POST",`/endpoints/${m(t.id)}/recover`,{since:new Date(i).toISOString()}),this.pollRecovery(t.id)})}pollRecovery(e){window.clearTimeout(this.recoveryTimer),!(!this.recovery||J(this.recovery))&&(this.recoveryTimer=window.setTimeout(async()=>{await this.run(async()=>{this.recovery=await this.api.get(`/endpoints/${m(e)}/recoveries/${m(this.recovery.id)}`)})&&this.pollRecovery(e)},1e3))}settings(e){let t=this.m;return this.canWrite?o`
      <div class="card">${this.endpointForm(e)}</div>
      <div class="card row">
        <button @click=${()=>this.setDisabled(e,!e.disabled)}>${e.disabled?t.enable:t.disable}</button>
        ${this.confirmable("delete",t.delete,t.delete,t.deleteConfirm,()=>this.deleteEndpoint(e))}
      </div>`:o`<p class="muted">${t.readOnly}</p>`}async setDisabled(e,t){await this.run(async()=>{let i=await this.api.request("PATCH",`/endpoints/${m(e.id)}`,{disabled:t});this.endpoints=this.endpoints.map(a=>a.id===i.id?i:a),this.emit("patchbay:endpoint-updated",{endpoint_id:i.id,url:i.url}),this.say(t?this.m.disabledNotice:this.m.enabledNotice)})}async deleteEndpoint(e){await this.run(async()=>{await this.api.request("DELETE",`/endpoints/${m(e.id)}`),this.endpoints=this.endpoints.filter(t=>t.id!==e.id),this.emit("patchbay:endpoint-deleted",{endpoint_id:e.id,url:e.url}),this.go({kind:"endpoints"}),this.say(this.m.deleted)})}};function J(n){return n.status!=="running"}customElements.define("patchbay-webhooks",he);var ge=class extends b{constructor(){super(...arguments);this.integrations=[];this.pending="";this.onMessage=e=>{if(!this.popup||e.source!==this.popup)return;let t=e.data;t?.type!=="patchbay:connected"&&t?.type!=="patchbay:connect-failed"||(this.popup?.close(),this.finishConnect(t.integration_id??this.pending,t.type==="patchbay:connected",t.error))}}static{this.properties={...b.properties,integrations:{state:!0},pending:{state:!0}}}heading(){return this.m.connectionsTitle}async load(){this.integrations=(await this.api.get("/integrations?limit=100")).data}connectedCallback(){super.connectedCallback(),window.addEventListener("message",this.onMessage)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("message",this.onMessage),window.clearInterval(this.popupTimer)}async finishConnect(e,t,i){window.clearInterval(this.popupTimer),this.popup=void 0,this.pending="",await this.run(async()=>{await this.load();let a=this.integrations.find(r=>r.id===e)?.connection;t&&a?(this.emit("patchbay:connected",{integration_id:e,connection_id:a.id}),this.say(this.m.connectedNotice)):t||(this.notice={text:i?`${this.m.connectFailed} (${i})`:this.m.connectFailed,error:!0})})}async connect(e){let t=window.open("","patchbay-connect","popup,width=520,height=720");await this.run(async()=>{let i=this.api.origin===location.origin?{}:{return_to:location.href},{connect_url:a}=await this.api.request("POST",`/integrations/${m(e.id)}/connect`,i);if(!t){location.assign(a);return}t.location.href=a,this.popup=t,this.pending=e.id,window.clearInterval(this.popupTimer),this.popupTimer=window.setInterval(()=>{if(this.pending!==e.id)return;if(t.closed)return void this.finishConnect(e.id,!0);let r=!1;try{r=t.location.origin===location.origin}catch{}r&&(t.close(),this.finishConnect(e.id,!0))},500)}),this.pending||t?.close()}async disconnect(e){let t=e.connection;t&&await this.run(async()=>{await this.api.request("DELETE",`/connections/${m(t.id)}`),this.emit("patchbay:disconnected",{integration_id:e.id,connection_id:t.id}),await this.load(),this.say(this.m.disconnectedNotice),await this.updateComplete,this.renderRoot.querySelector(`[data-connect="${e.id}"]`)?.focus()})}body(){let e=this.m,t={connected:e.statusConnected,needs_reconnect:e.statusNeedsReconnect,error:e.statusError};return this.integrations.length?o`<ul class="plain" part="integrations">
      ${this.integrations.map(i=>{let a=i.connection;return o`<li part="integration" data-integration=${i.id}>
          <div class="row spread">
            <div class="row">
              ${i.provider.logo_url?o`<img src=${i.provider.logo_url} alt="" width="32" height="32" style="border-radius:6px" />`:l}
              <div>
                <h2 style="margin:0;font-size:1rem">${i.name}</h2>
                <div class="muted">${i.provider.name}</div>
              </div>
            </div>
            <div class="row">
              ${a?o`<span class="badge ${a.status==="connected"?"ok":"error"}" part="status">${t[a.status]??a.status}</span>`:o`<span class="muted">${e.notConnected}</span>`}
              ${!a||a.status!=="connected"?o`<button class="primary" part="button-primary" data-connect=${i.id} ?disabled=${!!this.pending}
                    @click=${()=>this.connect(i)}>${a?e.reconnect:e.connect}<span class="sr-only"> ${i.name}</span></button>`:l}
              ${a?this.confirmable(i.id,o`${e.disconnect}<span class="sr-only"> ${i.name}</span>`,e.disconnect,e.disconnectConfirm(i.name),()=>this.disconnect(i)):l}
            </div>
          </div>
          ${a?o`<details part="connection-details"><summary>${e.details}<span class="sr-only"> ${i.name}</span></summary>
                <dl>
                  ${a.account_label?o`<dt class="muted">${e.account}</dt><dd>${a.account_label}</dd>`:l}
                  <dt class="muted">${e.connectedSince}</dt><dd>${f(a.created_at,e.lang)}</dd>
                  ${a.last_refreshed_at?o`<dt class="muted">${e.lastRefreshed}</dt><dd>${f(a.last_refreshed_at,e.lang)}</dd>`:l}
                  ${a.scopes?.length?o`<dt class="muted">${e.scopes}</dt><dd>${a.scopes.join(", ")}</dd>`:l}
                </dl>
              </details>`:l}
        </li>`})}
    </ul>`:o`<p class="muted">${e.noIntegrations}</p>`}};customElements.define("patchbay-connections",ge);var me=class extends b{constructor(){super(...arguments);this.apps=[]}static{this.properties={...b.properties,apps:{state:!0}}}heading(){return this.m.appsTitle}async load(){this.apps=(await this.api.get("/authorized-apps?limit=100")).data}async revoke(e){await this.run(async()=>{await this.api.request("DELETE",`/authorized-apps/${m(e.app_id)}`),this.apps=this.apps.filter(t=>t.app_id!==e.app_id),this.emit("patchbay:app-revoked",{app_id:e.app_id}),this.say(this.m.revokedNotice(e.name)),await this.updateComplete,this.renderRoot.querySelector("h1")?.focus()})}body(){let e=this.m;return this.apps.length?o`<ul class="plain" part="apps">
      ${this.apps.map(t=>o`<li part="app" data-app=${t.app_id}>
          <div class="row spread">
            <div class="row">
              ${t.logo_url?o`<img src=${t.logo_url} alt="" width="32" height="32" style="border-radius:6px" />`:l}
              <div>
                <h2 style="margin:0;font-size:1rem">${t.name}</h2>
                <div class="muted">${t.developer?e.by(t.developer):l}${t.host?o` &middot; ${t.host}`:l}
                  ${t.self_registered?o` &middot; <span class="badge">${e.unreviewed}</span>`:l}</div>
              </div>
            </div>
            ${this.confirmable(t.app_id,o`${e.revoke}<span class="sr-only"> ${t.name}</span>`,e.revoke,e.revokeConfirm(t.name),()=>this.revoke(t))}
          </div>
          <p class="muted">${e.grantedOn(f(t.granted_at,e.lang))}${t.last_used_at?o` &middot; ${e.lastUsed(f(t.last_used_at,e.lang))}`:l}</p>
          <ul part="scopes">
            ${t.scopes.map(i=>o`<li>${i.description||i.name}${i.access?o` <span class="badge">${bt(e,i.access)}</span>`:l}</li>`)}
          </ul>
        </li>`)}
    </ul>`:o`<p class="muted" role="status">${e.noApps}</p>`}};function bt(n,s){return s==="read"?n.accessRead:s==="write"?n.accessWrite:s==="admin"?n.accessAdmin:s}customElements.define("patchbay-authorized-apps",me);var We={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Ke=n=>(...s)=>({_$litDirective$:n,values:s}),Y=class{constructor(s){}get _$AU(){return this._$AM._$AU}_$AT(s,e,t){this._$Ct=s,this._$AM=e,this._$Ci=t}_$AS(s,e){return this.update(s,e)}update(s,e){return this.render(...e)}};var U=class extends Y{constructor(s){if(super(s),this.it=l,s.type!==We.CHILD)throw Error(this.constructor.directiveName+"() can only be used in child bindings")}render(s){if(s===l||s==null)return this._t=void 0,this.it=s;if(s===k)return s;if(typeof s!="string")throw Error(this.constructor.directiveName+"() called with a non-string value");if(s===this.it)return this._t;this.it=s;let e=[s];return e.raw=e,this._t={_$litType$:this.constructor.resultType,strings:e,values:[]}}};U.directiveName="unsafeHTML",U.resultType=1;var D=Ke(U);function V(n,s){try{return new URL(n,s).href}catch{return""}}function A(n,s,e=48){return n.icon_url?o`<img class="icon" src=${V(n.icon_url,s)} alt="" width=${e} height=${e} />`:o`<span class="icon monogram" aria-hidden="true" style="width:${e}px;height:${e}px">${ft(n.name)}</span>`}function ft(n){let s=[...n??""].find(e=>/[\p{L}\p{N}]/u.test(e));return s?s.toUpperCase():"?"}function x(n,s){if(!s||!s.count)return o`<span class="muted">${n.noRatings}</span>`;let e=Math.round(s.average);return o`<span class="stars" role="img" aria-label=${n.ratedOf(s.average.toFixed(1),s.count)}
    >${"\u2605".repeat(e)}${"\u2606".repeat(5-e)} <span aria-hidden="true">${s.average.toFixed(1)} (${s.count})</span></span
  >`}function w(n,s){return n.states[s]??s}function q(n,s){return s?o`<span class="badge ${s==="published"||s==="approved"?"ok":s==="changes_requested"||s==="suspended"?"error":""}" part="state">${w(n,s)}</span>`:l}function $t(n,s){let e=n===""?[]:n.split(`
`),t=s===""?[]:s.split(`
`),i=e.length,a=t.length,r=Array.from({length:i+1},()=>new Uint16Array(a+1));for(let g=i-1;g>=0;g--)for(let u=a-1;u>=0;u--)r[g][u]=e[g]===t[u]?r[g+1][u+1]+1:Math.max(r[g+1][u],r[g][u+1]);let d=[],c=0,p=0;for(;c<i&&p<a;)e[c]===t[p]?(d.push({op:" ",text:e[c]}),c++,p++):r[c+1][p]>=r[c][p+1]?d.push({op:"-",text:e[c++]}):d.push({op:"+",text:t[p++]});for(;c<i;)d.push({op:"-",text:e[c++]});for(;p<a;)d.push({op:"+",text:t[p++]});return d}function Ze(n){if(!n)return[];let s=e=>(e??[]).join(", ");return[["name",n.name],["tagline",n.tagline],["description",n.description],["icon_url",n.icon_url],["screenshots",(n.screenshots??[]).map(e=>`${e.url} ${e.caption??""}`.trim()).join(`
`)],["categories",s(n.categories)],["tags",s(n.tags)],["website_url",n.website_url],["support_url",n.support_url],["support_email",n.support_email],["privacy_url",n.privacy_url],["terms_url",n.terms_url],["install_url",n.install_url??""],["pricing",n.pricing],["languages",s(n.languages)],["scope_justifications",Object.entries(n.scope_justifications??{}).map(([e,t])=>`${e}: ${t}`).join(`
`)]]}function Ge(n,s,e){let t=new Map(Ze(s)),i=Ze(e).filter(([a,r])=>(t.get(a)??"")!==(r??""));return i.length?o`<dl class="diff" part="diff">
    ${i.map(([a,r])=>o`<dt>${n.fields[a]??a}</dt>
        <dd><pre>${$t(t.get(a)??"",r??"").map(d=>o`<span class=${d.op==="+"?"add":d.op==="-"?"del":""}><span class="sr-only">${d.op==="+"?n.added:d.op==="-"?n.removed:""}</span><span aria-hidden="true">${d.op} </span>${d.text}
</span>`)}</pre></dd>`)}
  </dl>`:o`<p class="muted" part="diff">${n.noChanges}</p>`}function Je(n){return{...ve(),...n,screenshots:n.screenshots??[],categories:n.categories??[],tags:n.tags??[],languages:n.languages??[],scope_justifications:n.scope_justifications??{}}}function ve(){return{name:"",tagline:"",description:"",icon_url:"",screenshots:[],categories:[],tags:[],website_url:"",support_url:"",support_email:"",privacy_url:"",terms_url:"",pricing:"",languages:[],scope_justifications:{}}}function Q(n){return n.split(/[\s,]+/).map(s=>s.trim()).filter(Boolean)}var be=class extends b{constructor(){super(...arguments);this.view={kind:"directory"};this.cursors=[];this.cursor="";this.categories=[];this.reviews=[];this.installations=[];this.query={q:"",category:"",kind:"",sort:"relevance",installed:""};this.editing=!1;this.pending=""}static{this.properties={...b.properties,view:{state:!0},results:{state:!0},categories:{state:!0},listing:{state:!0},reviews:{state:!0},installations:{state:!0},query:{state:!0},editing:{state:!0},pending:{state:!0}}}heading(){return this.m.marketplaceTitle}async load(){let[e]=await Promise.all([this.api.get("/marketplace/categories?limit=100"),this.search("")]);this.categories=e.data}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this.popupTimer)}async search(e){let t=this.query;this.results=await this.api.get("/marketplace/listings"+y.query({q:t.q,category:t.category,kind:t.kind,installed:t.installed,sort:t.q||t.sort!=="relevance"?t.sort:"popular",limit:12,cursor:e})),this.cursor=e}async go(e){this.view=e,this.notice=void 0,this.confirming="",this.editing=!1,await this.run(async()=>{e.kind==="listing"&&await this.loadListing(e.slug),e.kind==="installed"&&(this.installations=(await this.api.get("/marketplace/installations?limit=100")).data),e.kind==="directory"&&!this.results&&await this.search("")}),await this.updateComplete,this.renderRoot.querySelector("h2")?.focus()}async loadListing(e){let[t,i]=await Promise.all([this.api.get(`/marketplace/listings/${m(e)}`),this.api.get(`/marketplace/listings/${m(e)}/reviews?limit=50`)]);this.listing=t,this.reviews=i.data}body(){let e=this.m,t=this.view;return o`<nav aria-label=${e.marketplaceTitle} class="row" part="nav">
        <button aria-current=${t.kind!=="installed"?"page":"false"} @click=${()=>this.go({kind:"directory"})}>${e.browse}</button>
        <button aria-current=${t.kind==="installed"?"page":"false"} @click=${()=>this.go({kind:"installed"})}>${e.installedTab}</button>
      </nav>
      ${t.kind==="directory"?this.directory():t.kind==="installed"?this.installedView():this.listingView()}`}submitSearch(e){e.preventDefault();let t=new FormData(e.target),i=a=>String(t.get(a)??"");this.query={q:i("q"),category:i("category"),kind:i("kind"),sort:i("sort")||"relevance",installed:i("installed")},this.cursors=[],this.run(()=>this.search(""))}directory(){let e=this.m,t=this.query,i=this.results;return o`<section part="directory">
      <h2 tabindex="-1" class="sr-only">${e.browse}</h2>
      <form role="search" class="filters" part="search" @submit=${this.submitSearch}>
        <div class="grow"><label for="mk-q">${e.searchLabel}</label><input id="mk-q" name="q" type="search" .value=${t.q} /></div>
        <div><label for="mk-category">${e.category}</label>
          <select id="mk-category" name="category" .value=${t.category}>
            <option value="">${e.allCategories}</option>
            ${this.categories.map(a=>o`<option value=${a.slug} ?selected=${a.slug===t.category}>${a.name}</option>`)}
          </select></div>
        <div><label for="mk-kind">${e.kindLabel}</label>
          <select id="mk-kind" name="kind">
            <option value="">${e.allKinds}</option>
            <option value="app" ?selected=${t.kind==="app"}>${e.kindApp}</option>
            <option value="integration" ?selected=${t.kind==="integration"}>${e.kindIntegration}</option>
          </select></div>
        <div><label for="mk-installed">${e.show}</label>
          <select id="mk-installed" name="installed">
            <option value="">${e.everything}</option>
            <option value="false" ?selected=${t.installed==="false"}>${e.notInstalledYet}</option>
            <option value="true" ?selected=${t.installed==="true"}>${e.installedTab}</option>
          </select></div>
        <div><label for="mk-sort">${e.sortLabel}</label>
          <select id="mk-sort" name="sort">
            ${["relevance","popular","rating","newest"].map(a=>o`<option value=${a} ?selected=${t.sort===a}>${e.sorts[a]}</option>`)}
          </select></div>
        <button class="primary" part="button-primary" type="submit">${e.search}</button>
      </form>
      ${i?i.data.length?o`<ul class="cards" part="listings" aria-label=${e.results}>
              ${i.data.map(a=>this.card(a))}
            </ul>`:o`<p class="muted" role="status">${e.noListings}</p>`:o`<p role="status">${e.loading}</p>`}
      ${i&&(this.cursors.length||i.next_cursor)?o`<div class="row" part="paging">
            <button ?disabled=${!this.cursors.length} @click=${()=>this.run(()=>this.search(this.cursors.pop()??""))}>${e.previous}</button>
            <button ?disabled=${!i.next_cursor} @click=${()=>(this.cursors=[...this.cursors,this.cursor],this.run(()=>this.search(i.next_cursor)))}>${e.next}</button>
          </div>`:l}
    </section>`}card(e){let t=this.m,i=e.content;return o`<li class="card listing-card" part="listing-card" data-slug=${e.slug}>
      <div class="row">
        ${A(i,this.api.origin)}
        <div class="grow">
          <h3><button class="link title" @click=${()=>this.go({kind:"listing",slug:e.slug})}>${i.name}</button></h3>
          <div class="muted">${e.developer_name}</div>
        </div>
      </div>
      <p>${i.tagline}</p>
      <div class="row muted">
        ${x(t,e.rating)} <span>${t.installs(e.install_count)}</span>
        ${e.installed?o`<span class="badge ok">${t.installedBadge}</span>`:l}
      </div>
    </li>`}listingView(){let e=this.m,t=this.listing;if(!t)return o`<p role="status">${e.loading}</p>`;let i=t.content,a=t.installation?.status==="active";return o`<article part="listing" data-slug=${t.slug}>
      <button class="link" @click=${()=>this.go({kind:"directory"})}>&larr; ${e.backToDirectory}</button>
      <div class="row spread listing-head">
        <div class="row">
          ${A(i,this.api.origin,64)}
          <div>
            <h2 tabindex="-1">${i.name}</h2>
            <div class="muted">${e.by(t.developer_name)} &middot; ${t.kind==="app"?e.kindApp:e.kindIntegration}</div>
            <div class="row muted">${x(e,t.rating)} <span>${e.installs(t.install_count)}</span></div>
          </div>
        </div>
        <div class="row">
          ${a?o`<span class="badge ok">${e.installedBadge}</span>
                ${this.confirmable("uninstall",o`${e.uninstall}<span class="sr-only"> ${i.name}</span>`,e.uninstall,e.uninstallConfirm(i.name),()=>this.uninstall({id:t.id,slug:t.slug,name:i.name}))}`:o`<button class="primary" part="button-primary" ?disabled=${!!this.pending} @click=${()=>this.install(t)}>${this.pending?e.installing:e.install}<span class="sr-only"> ${i.name}</span></button>`}
        </div>
      </div>
      <p class="tagline">${i.tagline}</p>
      ${i.screenshots?.length?o`<ul class="shots" part="screenshots" aria-label=${e.screenshots}>
            ${i.screenshots.map((r,d)=>o`<li><figure><img src=${V(r.url,this.api.origin)} alt=${r.caption||e.screenshotN(d+1)} loading="lazy" />${r.caption?o`<figcaption class="muted">${r.caption}</figcaption>`:l}</figure></li>`)}
          </ul>`:l}
      <div class="columns">
        <div class="description" part="description">${D(i.description_html??"")}</div>
        <aside>
          <h3>${e.dataAccess}</h3>
          ${t.data_access?.length?o`<ul part="data-access">${t.data_access.map(r=>o`<li><strong>${r.description||r.scope}</strong> <code class="muted">${r.scope}</code>${r.justification?o`<div class="muted">${e.why} ${r.justification}</div>`:l}</li>`)}</ul>`:o`<p class="muted">${e.noDataAccess}</p>`}
          <h3>${e.developer}</h3>
          <p>${t.developer_name||this.session?.branding?.product_name||""}</p>
          <ul class="plain links">
            ${i.website_url?o`<li><a href=${i.website_url} target="_blank" rel="noopener nofollow">${e.website}</a></li>`:l}
            ${i.support_url?o`<li><a href=${i.support_url} target="_blank" rel="noopener nofollow">${e.support}</a></li>`:l}
            ${i.support_email?o`<li><a href="mailto:${i.support_email}">${i.support_email}</a></li>`:l}
            ${i.privacy_url?o`<li><a href=${i.privacy_url} target="_blank" rel="noopener nofollow">${e.privacy}</a></li>`:l}
            ${i.terms_url?o`<li><a href=${i.terms_url} target="_blank" rel="noopener nofollow">${e.terms}</a></li>`:l}
          </ul>
          ${i.pricing?o`<h3>${e.pricing}</h3><p>${i.pricing}</p>`:l}
          ${i.languages?.length?o`<h3>${e.languages}</h3><p>${i.languages.join(", ")}</p>`:l}
          ${i.categories?.length?o`<h3>${e.category}</h3><p>${i.categories.map(r=>this.categories.find(d=>d.slug===r)?.name??r).join(", ")}</p>`:l}
        </aside>
      </div>
      ${this.reviewsSection(t)}
    </article>`}reviewsSection(e){let t=this.m,i=e.rating,a=this.reviews.find(d=>d.mine),r=e.installation?.status==="active";return o`<section part="reviews" aria-labelledby="mk-reviews">
      <h3 id="mk-reviews">${t.reviews}</h3>
      <div class="row">${x(t,i)}</div>
      ${i?.count?o`<table class="distribution" part="distribution"><caption class="sr-only">${t.distribution}</caption>
            <tbody>${[5,4,3,2,1].map(d=>{let c=i.distribution?.[String(d)]??0;return o`<tr><th scope="row">${t.starsN(d)}</th><td class="bar-cell"><span class="bar" style="width:${i.count?Math.round(100*c/i.count):0}%"></span></td><td>${c}</td></tr>`})}</tbody>
          </table>`:l}
      ${r&&!this.editing?o`<button @click=${async()=>{this.editing=!0,await this.updateComplete,this.renderRoot.querySelector("#rv-rating input:checked, #rv-rating input")?.focus()}}>${a?t.editReview:t.writeReview}</button>`:l}
      ${this.editing?this.reviewForm(e,a):l}
      <ul class="plain" part="review-list">
        ${this.reviews.map(d=>o`<li part="review">
            <div class="row">${x(t,{average:d.rating,count:1,distribution:{}})}<strong>${d.user_name||t.anonymous}</strong>
              <span class="muted">${f(d.updated_at||d.created_at,t.lang)}</span>${d.mine?o`<span class="badge">${t.yourReview}</span>`:l}</div>
            <p class="review-body">${d.body}</p>
            ${d.reply?o`<blockquote class="reply"><strong>${t.replyFrom(e.developer_name)}</strong><p>${d.reply.body}</p></blockquote>`:l}
          </li>`)}
      </ul>
    </section>`}reviewForm(e,t){let i=this.m;return o`<form part="review-form" @submit=${a=>this.saveReview(a,e)}>
      <fieldset id="rv-rating"><legend>${i.yourRating}</legend>
        ${[1,2,3,4,5].map(a=>o`<label><input type="radio" name="rating" value=${a} required ?checked=${t?.rating===a} />${i.starsN(a)}</label>`)}
      </fieldset>
      <label for="rv-body">${i.yourReview}</label>
      <textarea id="rv-body" name="body" maxlength="2000" .value=${t?.body??""}></textarea>
      <div class="row">
        <button class="primary" type="submit">${i.publishReview}</button>
        <button type="button" @click=${()=>this.editing=!1}>${i.cancel}</button>
      </div>
    </form>`}async saveReview(e,t){e.preventDefault();let i=new FormData(e.target),a=Number(i.get("rating"));if(!a){this.notice={text:this.m.ratingRequired,error:!0};return}await this.run(async()=>{await this.api.request("PUT",`/marketplace/listings/${m(t.slug)}/review`,{rating:a,body:String(i.get("body")??"")}),this.editing=!1,await this.loadListing(t.slug),this.say(this.m.reviewSaved)})}async install(e){let t=window.open("","patchbay-install","popup,width=520,height=720");(!await this.run(async()=>{let a=await this.api.request("POST",`/marketplace/listings/${m(e.slug)}/install`,{});if(!t){location.assign(a.url);return}t.location.href=a.url,this.pending=e.slug,this.say(this.m.installStarted(e.content.name)),this.watchInstall(e,t)})||!this.pending)&&t?.close()}watchInstall(e,t){window.clearInterval(this.popupTimer);let i=Date.now(),a=!1;this.popupTimer=window.setInterval(async()=>{if(!a){a=!0;try{let r=t.closed,d=await this.api.get(`/marketplace/listings/${m(e.slug)}`).catch(()=>{}),c=d?.installation?.status==="active";(c||r||Date.now()-i>6e5)&&(window.clearInterval(this.popupTimer),this.pending="",this.view.kind==="listing"&&this.view.slug===e.slug&&await this.run(()=>this.loadListing(e.slug)),c&&d?.installation?(this.emit("patchbay:installed",{listing_id:e.id,slug:e.slug,installation_id:d.installation.id}),this.say(this.m.installedNotice(e.content.name))):this.notice={text:this.m.installNotFinished,error:!0})}finally{a=!1}}},2e3)}async uninstall(e){await this.run(async()=>{let t=await this.api.request("POST",`/marketplace/listings/${m(e.slug)}/uninstall`,{});this.emit("patchbay:uninstalled",{listing_id:e.id,slug:e.slug,installation_id:t.id}),this.view.kind==="listing"&&await this.loadListing(e.slug),this.view.kind==="installed"&&(this.installations=this.installations.filter(i=>i.listing_slug!==e.slug)),this.say(this.m.uninstalledNotice(e.name)),await this.updateComplete,this.renderRoot.querySelector("h2")?.focus()})}installedView(){let e=this.m;return o`<section part="installed">
      <h2 tabindex="-1">${e.installedTab}</h2>
      ${this.installations.length?o`<ul class="plain">
            ${this.installations.map(t=>o`<li class="row spread" part="installation" data-slug=${t.listing_slug}>
                <div>
                  <button class="link title" @click=${()=>this.go({kind:"listing",slug:t.listing_slug})}>${t.listing_name}</button>
                  <div class="muted">${e.installedOn(f(t.installed_at??t.created_at,e.lang))}${t.scopes?.length?o` &middot; ${t.scopes.join(", ")}`:l}</div>
                </div>
                ${this.confirmable(t.id,o`${e.uninstall}<span class="sr-only"> ${t.listing_name}</span>`,e.uninstall,e.uninstallConfirm(t.listing_name),()=>this.uninstall({id:t.listing_id,slug:t.listing_slug,name:t.listing_name}))}
              </li>`)}
          </ul>`:o`<p class="muted" role="status">${e.nothingInstalled}</p>`}
    </section>`}};customElements.define("patchbay-marketplace",be);var fe=class extends b{constructor(){super(...arguments);this.view={kind:"list"};this.listings=[];this.apps=[];this.draft=ve();this.preview="";this.transitions=[];this.reviews=[];this.problems=[];this.fieldErrors={}}static{this.properties={...b.properties,view:{state:!0},listings:{state:!0},apps:{state:!0},listing:{state:!0},draft:{state:!0},preview:{state:!0},transitions:{state:!0},reviews:{state:!0},stats:{state:!0},problems:{state:!0},fieldErrors:{state:!0},newSecret:{state:!0}}}heading(){return this.m.developerTitle}async load(){let[e,t]=await Promise.all([this.api.get("/developer/listings?limit=100"),this.api.get("/developer/apps?limit=100")]);this.listings=e.data,this.apps=t.data}disconnectedCallback(){super.disconnectedCallback(),window.clearTimeout(this.previewTimer)}async go(e){this.view=e,this.notice=void 0,this.confirming="",this.problems=[],this.fieldErrors={},await this.run(async()=>{e.kind==="list"&&await this.load(),e.kind==="listing"&&await this.loadListing(e.id)}),await this.updateComplete,this.renderRoot.querySelector("h2")?.focus()}async loadListing(e){let t=`/developer/listings/${m(e)}`,[i,a,r,d]=await Promise.all([this.api.get(t),this.api.get(`${t}/transitions?limit=100`),this.api.get(`${t}/reviews?limit=50`),this.api.get(`${t}/stats?days=30`)]);this.listing=i,this.transitions=a.data,this.reviews=r.data,this.stats=d,this.draft=Je(structuredClone(i.revision?.content??i.content)),this.preview=this.draft.description_html??""}body(){let e=this.view;return e.kind==="list"?this.listView():e.kind==="new"?this.newView():this.listingView()}listView(){let e=this.m;return o`<section part="developer-listings">
      <div class="row spread">
        <h2 tabindex="-1">${e.yourListings}</h2>
        <button class="primary" part="button-primary" @click=${()=>this.go({kind:"new"})}>${e.newListing}</button>
      </div>
      ${this.listings.length?o`<div class="table-wrap"><table>
            <thead><tr><th scope="col">${e.fields.name}</th><th scope="col">${e.status}</th><th scope="col" class="optional">${e.version}</th><th scope="col">${e.activeInstalls}</th></tr></thead>
            <tbody>${this.listings.map(t=>o`<tr data-listing=${t.id}>
                <td><button class="link title" @click=${()=>this.go({kind:"listing",id:t.id})}>${(t.revision?.content??t.content).name}</button><div class="muted">${t.slug}</div></td>
                <td>${q(e,t.state)} ${t.revision_state&&t.revision_state!==t.state?o`<div class="muted">${e.revisionState(w(e,t.revision_state))}</div>`:l}</td>
                <td class="optional">${t.version||"\u2014"}</td>
                <td>${t.install_count}</td>
              </tr>`)}</tbody>
          </table></div>`:o`<p class="muted" role="status">${e.noOwnListings}</p>`}
    </section>`}newView(){let e=this.m,t=this.fieldErrors,i=a=>t[a]?o`<div class="field-error" id="nl-${a}-error">${t[a]}</div>`:l;return o`<section part="new-listing">
      <button class="link" @click=${()=>this.go({kind:"list"})}>&larr; ${e.yourListings}</button>
      <h2 tabindex="-1">${e.newListing}</h2>
      ${this.newSecret?o`<div class="notice" role="status"><p>${e.appCreated(this.newSecret.app)}</p><p>${e.clientSecret}: <code>${this.newSecret.secret}</code></p></div>`:l}
      ${this.apps.length?o`<form @submit=${this.createListing} novalidate>
            <label for="nl-app">${e.app}</label>
            <select id="nl-app" name="app_id">${this.apps.map(a=>o`<option value=${a.id}>${a.name}</option>`)}</select>
            <label for="nl-slug">${e.slug}</label>
            <input id="nl-slug" name="slug" required pattern="[a-z0-9-]+" aria-describedby="nl-slug-help ${t.slug?"nl-slug-error":""}" aria-invalid=${t.slug?"true":"false"} />
            <div class="muted" id="nl-slug-help">${e.slugHelp}</div>${i("slug")}
            <label for="nl-name">${e.fields.name}</label>
            <input id="nl-name" name="name" required maxlength="60" aria-invalid=${t.name?"true":"false"} />${i("name")}
            <label for="nl-tagline">${e.fields.tagline}</label>
            <input id="nl-tagline" name="tagline" required maxlength="120" aria-invalid=${t.tagline?"true":"false"} />${i("tagline")}
            <label for="nl-developer">${e.developerName}</label>
            <input id="nl-developer" name="developer_name" required aria-invalid=${t.developer_name?"true":"false"} />${i("developer_name")}
            <p><button class="primary" type="submit">${e.createListing}</button></p>
          </form>`:o`<p class="muted">${e.noAppsYet}</p>`}
      <details ?open=${!this.apps.length}>
        <summary>${e.newApp}</summary>
        <form @submit=${this.createApp} novalidate>
          <label for="na-name">${e.fields.name}</label>
          <input id="na-name" name="name" required />${i("app.name")}
          <label for="na-redirect">${e.redirectURI}</label>
          <input id="na-redirect" name="redirect_uri" type="url" required placeholder="https://" />${i("app.redirect_uris")}
          <label for="na-scopes">${e.scopes}</label>
          <input id="na-scopes" name="scopes" aria-describedby="na-scopes-help" />
          <div class="muted" id="na-scopes-help">${e.scopesHelp}</div>${i("app.scopes")}
          <p><button type="submit">${e.createApp}</button></p>
        </form>
      </details>
    </section>`}async createApp(e){e.preventDefault();let t=new FormData(e.target);this.fieldErrors={},await this.run(async()=>{try{let i=await this.api.request("POST","/developer/apps",{name:String(t.get("name")??""),client_type:"confidential",redirect_uris:Q(String(t.get("redirect_uri")??"")),scopes:Q(String(t.get("scopes")??""))});this.apps=[...this.apps,i],i.client_secret&&(this.newSecret={app:i.name,secret:i.client_secret}),e.target.reset()}catch(i){throw i instanceof $&&(this.fieldErrors=Object.fromEntries(Object.entries(i.fields).map(([a,r])=>[`app.${a.split("/")[0]}`,r]))),i}})}async createListing(e){e.preventDefault();let t=new FormData(e.target);this.fieldErrors={},await this.run(async()=>{try{let i=await this.api.request("POST","/developer/listings",{kind:"app",app_id:String(t.get("app_id")),slug:String(t.get("slug")??"").trim(),developer_name:String(t.get("developer_name")??""),name:String(t.get("name")??""),tagline:String(t.get("tagline")??"")});this.newSecret=void 0,await this.go({kind:"listing",id:i.id}),this.say(this.m.listingCreated)}catch(i){throw i instanceof $&&(this.fieldErrors=Object.fromEntries(Object.entries(i.fields).map(([a,r])=>[a.split("/")[0],r]))),i}})}get editable(){let e=this.listing;if(!e)return!1;let t=e.revision?.state??e.state;return t==="draft"||t==="changes_requested"||!e.revision&&["published","suspended","unlisted"].includes(e.state)}listingView(){let e=this.m,t=this.listing;if(!t)return o`<p role="status">${e.loading}</p>`;let i=t.revision?.state??t.state,a=t.revision?.last_note||[...this.transitions].reverse().find(r=>r.action==="request_changes")?.note;return o`<article part="developer-listing" data-listing=${t.id}>
      <button class="link" @click=${()=>this.go({kind:"list"})}>&larr; ${e.yourListings}</button>
      <div class="row spread">
        <h2 tabindex="-1">${this.draft.name||t.slug}</h2>
        <div class="row">${q(e,t.state)}${i&&i!==t.state?o`<span class="muted">${e.revisionState(w(e,i))}</span>`:l}</div>
      </div>
      ${a&&i==="changes_requested"?o`<div class="notice error" part="reviewer-note"><strong>${e.reviewerNote}</strong> ${a}</div>`:l}
      <div class="row" part="workflow">${this.workflowButtons(t)}</div>
      ${this.problems.length?o`<div class="notice error" role="alert" part="checks"><strong>${e.checksFailed}</strong><ul>${this.problems.map(r=>o`<li><code>${r.field}</code>: ${r.detail}</li>`)}</ul></div>`:l}
      <div class="columns">
        ${this.editForm(t)}
        <aside part="preview" aria-labelledby="dv-preview">
          <h3 id="dv-preview">${e.preview}</h3>
          <div class="card listing-card">
            <div class="row">${A(this.draft,this.api.origin)}<div><strong>${this.draft.name}</strong><div class="muted">${t.developer_name}</div></div></div>
            <p>${this.draft.tagline}</p>
          </div>
          <div class="description">${D(this.preview)}</div>
        </aside>
      </div>
      <section part="installs" aria-labelledby="dv-installs">
        <h3 id="dv-installs">${e.activeInstalls}: ${this.stats?.active_installs??t.install_count}</h3>
        ${this.stats?.days?.length?o`<div class="table-wrap"><table><caption class="sr-only">${e.installsPerDay}</caption>
              <thead><tr><th scope="col">${e.date}</th><th scope="col">${e.installsLabel}</th><th scope="col">${e.uninstallsLabel}</th></tr></thead>
              <tbody>${this.stats.days.filter(r=>r.installs||r.uninstalls).slice(-10).map(r=>o`<tr><td>${r.date}</td><td>${r.installs}</td><td>${r.uninstalls}</td></tr>`)}</tbody>
            </table></div>`:l}
      </section>
      <section part="conversation" aria-labelledby="dv-conv">
        <h3 id="dv-conv">${e.conversation}</h3>
        ${$e(e,this.transitions)}
      </section>
      <section part="developer-reviews" aria-labelledby="dv-reviews">
        <h3 id="dv-reviews">${e.reviews}</h3>
        <div>${x(e,t.rating)}</div>
        <ul class="plain">${this.reviews.map(r=>this.reviewItem(r))}</ul>
      </section>
    </article>`}workflowButtons(e){let t=this.m,i=e.revision?.state??e.state,a=(d,c,p=!1)=>o`<button class=${p?"primary":""} @click=${()=>this.transition(e,d)}>${c}</button>`,r=[];return(i==="draft"||i==="changes_requested")&&r.push(o`<button @click=${()=>this.check(e)}>${t.runChecks}</button>`,a("submit",t.submitForReview,!0)),i==="submitted"&&r.push(a("withdraw",t.withdraw)),i==="approved"&&r.push(a("publish",t.publish,!0)),e.state==="published"&&!e.revision&&r.push(a("unlist",t.unlist)),e.state==="unlisted"&&r.push(a("relist",t.relist)),r}async check(e){await this.run(async()=>{let t=await this.api.get(`/developer/listings/${m(e.id)}/checks`);this.problems=t.problems??[],t.ok&&this.say(this.m.checksPassed)})}async transition(e,t){this.problems=[],await this.run(async()=>{try{await this.api.request("POST",`/developer/listings/${m(e.id)}/transitions`,{action:t,note:""})}catch(i){throw i instanceof $&&i.code==="checks_failed"&&(this.problems=Object.entries(i.fields).map(([a,r])=>({field:a,detail:r}))),i}await this.loadListing(e.id),this.emit("patchbay:listing-changed",{listing_id:e.id,action:t}),this.say(this.m.transitionDone(w(this.m,this.listing?.revision?.state??this.listing?.state??"")))})}editForm(e){let t=this.m,i=this.draft,a=this.fieldErrors,r=!this.editable,d=(p,g,u="text",h="")=>o`
      <label for="dv-${p}">${g}</label>
      <input id="dv-${p}" name=${p} type=${u} ?readonly=${r} .value=${String(i[p]??"")}
        aria-invalid=${a[p]?"true":"false"} aria-describedby=${a[p]?`dv-${p}-error`:h?`dv-${p}-help`:l}
        @input=${v=>this.setDraft({[p]:v.target.value})} />
      ${h?o`<div class="muted" id="dv-${p}-help">${h}</div>`:l}
      ${a[p]?o`<div class="field-error" id="dv-${p}-error">${a[p]}</div>`:l}`,c=(p,g,u)=>o`
      <label for="dv-${p}">${g}</label>
      <input id="dv-${p}" name=${p} ?readonly=${r} .value=${i[p].join(", ")} aria-describedby="dv-${p}-help ${a[p]?`dv-${p}-error`:""}"
        aria-invalid=${a[p]?"true":"false"} @change=${h=>this.setDraft({[p]:Q(h.target.value)})} />
      <div class="muted" id="dv-${p}-help">${u}</div>
      ${a[p]?o`<div class="field-error" id="dv-${p}-error">${a[p]}</div>`:l}`;return o`<form part="edit-form" class="grow" @submit=${p=>this.save(p,e)} novalidate>
      <h3>${t.editListing}</h3>
      ${r?o`<p class="muted">${t.lockedWhileReviewed}</p>`:l}
      ${d("name",t.fields.name)} ${d("tagline",t.fields.tagline)}
      <label for="dv-description">${t.fields.description}</label>
      <textarea id="dv-description" name="description" ?readonly=${r} .value=${i.description} aria-describedby="dv-description-help"
        @input=${p=>{this.setDraft({description:p.target.value}),this.schedulePreview()}}></textarea>
      <div class="muted" id="dv-description-help">${t.markdownHelp}</div>
      ${a.description?o`<div class="field-error">${a.description}</div>`:l}
      <label for="dv-icon">${t.fields.icon_url}</label>
      <div class="row">${A(i,this.api.origin)}<input id="dv-icon" type="file" accept="image/png,image/webp,image/svg+xml" ?disabled=${r} @change=${p=>this.upload(p,e,"icon")} /></div>
      <fieldset><legend>${t.screenshots}</legend>
        ${i.screenshots.map((p,g)=>o`<div class="row shot-row"><img src=${V(p.url,this.api.origin)} alt="" width="80" />
            <input aria-label=${t.captionN(g+1)} ?readonly=${r} .value=${p.caption??""} style="max-width:20rem"
              @input=${u=>this.setDraft({screenshots:i.screenshots.map((h,v)=>v===g?{...h,caption:u.target.value}:h)})} />
            <button type="button" ?disabled=${r} @click=${()=>this.setDraft({screenshots:i.screenshots.filter((u,h)=>h!==g)})}>${t.remove}<span class="sr-only"> ${t.screenshotN(g+1)}</span></button></div>`)}
        ${i.screenshots.length<6&&!r?o`<label for="dv-shot">${t.addScreenshot}</label><input id="dv-shot" type="file" accept="image/png,image/webp,image/svg+xml" @change=${p=>this.upload(p,e,"screenshot")} />`:l}
      </fieldset>
      ${c("categories",t.fields.categories,t.categoriesHelp)} ${c("tags",t.fields.tags,t.tagsHelp)}
      ${d("website_url",t.fields.website_url,"url")} ${d("support_url",t.fields.support_url,"url")}
      ${d("support_email",t.fields.support_email,"email")} ${d("privacy_url",t.fields.privacy_url,"url")}
      ${d("terms_url",t.fields.terms_url,"url")} ${d("install_url",t.fields.install_url,"url",t.installURLHelp)}
      ${d("pricing",t.fields.pricing)}
      ${c("languages",t.languages,t.languagesHelp)}
      ${e.data_access?.length?o`<fieldset part="justifications"><legend>${t.fields.scope_justifications}</legend>
            ${e.data_access.map(p=>o`<label for="dv-just-${p.scope}">${p.description||p.scope} <code class="muted">${p.scope}</code></label>
                <input id="dv-just-${p.scope}" ?readonly=${r} .value=${i.scope_justifications?.[p.scope]??""}
                  @input=${g=>this.setDraft({scope_justifications:{...i.scope_justifications,[p.scope]:g.target.value}})} />`)}
          </fieldset>`:l}
      ${r?l:o`<p><button class="primary" type="submit" part="button-primary">${t.save}</button></p>`}
    </form>`}setDraft(e){this.draft={...this.draft,...e}}schedulePreview(){window.clearTimeout(this.previewTimer),this.previewTimer=window.setTimeout(async()=>{try{this.preview=(await this.api.request("POST","/preview/markdown",{markdown:this.draft.description})).html}catch{}},400)}async upload(e,t,i){let a=e.target,r=a.files?.[0];r&&(await this.run(async()=>{let{url:d}=await this.api.request("POST",`/developer/listings/${m(t.id)}/images`,r,r.type||"application/octet-stream");i==="icon"?this.setDraft({icon_url:d}):this.setDraft({screenshots:[...this.draft.screenshots,{url:d,caption:""}]}),this.say(this.m.uploaded)}),a.value="")}async save(e,t){e.preventDefault(),this.fieldErrors={};let{description_html:i,...a}=this.draft;await this.run(async()=>{try{this.listing=await this.api.request("PATCH",`/developer/listings/${m(t.id)}`,a)}catch(r){throw r instanceof $&&(this.fieldErrors=Object.fromEntries(Object.entries(r.fields).map(([d,c])=>[d.split("/")[0],c]))),r}await this.loadListing(t.id),this.emit("patchbay:listing-changed",{listing_id:t.id,action:"save"}),this.say(this.m.saved)})}reviewItem(e){let t=this.m;return o`<li part="review" data-review=${e.id}>
      <div class="row">${x(t,{average:e.rating,count:1,distribution:{}})}<strong>${e.user_name||t.anonymous}</strong>
        <span class="muted">${f(e.created_at,t.lang)}</span>${e.hidden?o`<span class="badge error">${t.hiddenReview}</span>`:l}</div>
      <p>${e.body}</p>
      ${e.reply?o`<blockquote class="reply"><strong>${t.yourReply}</strong><p>${e.reply.body}</p></blockquote>`:o`<form class="row" @submit=${i=>this.reply(i,e)}>
            <label class="sr-only" for="reply-${e.id}">${t.replyTo(e.user_name||t.anonymous)}</label>
            <input id="reply-${e.id}" name="body" required placeholder=${t.replyPlaceholder} style="max-width:28rem" />
            <button type="submit">${t.reply}</button>
          </form>`}
    </li>`}async reply(e,t){e.preventDefault();let i=String(new FormData(e.target).get("body")??"").trim();i&&await this.run(async()=>{let a=await this.api.request("PUT",`/developer/listings/${m(t.listing_id)}/reviews/${m(t.id)}/reply`,{body:i});this.reviews=this.reviews.map(r=>r.id===t.id?a:r),this.say(this.m.replySaved)})}};function $e(n,s){return s.length?o`<ol class="plain conversation" part="transitions">
    ${s.map(e=>o`<li data-action=${e.action}>
        <div><strong>${e.actor_name||e.actor_id||n.actors[e.actor_type]||e.actor_type}</strong> <span class="muted">(${n.actors[e.actor_type]??e.actor_type})</span>
          &middot; ${n.workflowActions[e.action]??e.action} &middot; ${w(n,e.to_state)}
          <span class="muted">&middot; ${f(e.created_at,n.lang)} &middot; ${n.revisionN(e.revision)}</span></div>
        ${e.note?o`<p class="note">${e.note}</p>`:l}
      </li>`)}
  </ol>`:o`<p class="muted">${n.noTransitions}</p>`}customElements.define("patchbay-developer",fe);var Ye={review:"submitted,in_review",approved:"approved",published:"published",suspended:"suspended",changes:"changes_requested"},ye=class extends b{constructor(){super(...arguments);this.sessionBase="/admin/marketplace/api";this.view={kind:"queue"};this.cursors=[];this.cursor="";this.filter="review";this.revisions=[];this.transitions=[];this.reviews=[];this.compare=0;this.noteError=""}static{this.properties={...b.properties,view:{state:!0},queue:{state:!0},filter:{state:!0},listing:{state:!0},revisions:{state:!0},transitions:{state:!0},reviews:{state:!0},compare:{state:!0},noteError:{state:!0}}}heading(){return this.m.consoleTitle}async load(){await this.loadQueue("")}async loadQueue(e){this.queue=await this.api.get("/marketplace/review/listings"+y.query({state:Ye[this.filter],limit:25,cursor:e})),this.cursor=e}async go(e){this.view=e,this.notice=void 0,this.noteError="",await this.run(async()=>{e.kind==="queue"?await this.loadQueue(this.cursor):await this.loadListing(e.id)}),await this.updateComplete,this.renderRoot.querySelector("h2")?.focus()}async loadListing(e){let t=`/marketplace/review/listings/${m(e)}`,[i,a,r,d]=await Promise.all([this.api.get(t),this.api.get(`${t}/revisions?limit=100`),this.api.get(`${t}/transitions?limit=100`),this.api.get(`${t}/reviews?limit=50`)]);this.listing=i,this.revisions=a.data,this.transitions=r.data,this.reviews=d.data;let c=i.revision?.number??0;this.compare=i.version>0?0:this.revisions.find(p=>p.number<c)?.number??-1}body(){return this.view.kind==="queue"?this.queueView():this.listingView()}queueView(){let e=this.m,t=this.queue;return o`<section part="queue">
      <div class="row spread">
        <h2 tabindex="-1">${e.reviewQueue}</h2>
        <div><label for="rc-filter" class="inline">${e.show}</label>
          <select id="rc-filter" @change=${i=>{this.filter=i.target.value,this.cursors=[],this.run(()=>this.loadQueue(""))}}>
            ${Object.keys(Ye).map(i=>o`<option value=${i} ?selected=${i===this.filter}>${e.queues[i]}</option>`)}
          </select></div>
      </div>
      ${t?t.data.length?o`<div class="table-wrap"><table part="queue-table">
              <thead><tr><th scope="col">${e.fields.name}</th><th scope="col">${e.developer}</th><th scope="col">${e.status}</th><th scope="col" class="optional">${e.updated}</th></tr></thead>
              <tbody>${t.data.map(i=>o`<tr data-listing=${i.id}>
                  <td><button class="link title" @click=${()=>this.go({kind:"listing",id:i.id})}>${(i.revision?.content??i.content).name}</button>
                    <div class="muted">${i.slug} &middot; ${i.kind==="app"?e.kindApp:e.kindIntegration}</div></td>
                  <td>${i.developer_name}<div class="muted">${i.team_id}</div></td>
                  <td>${q(e,i.state)}${i.revision_state&&i.revision_state!==i.state?o`<div class="muted">${e.revisionState(w(e,i.revision_state))}</div>`:l}</td>
                  <td class="optional">${f(i.revision?.submitted_at??i.updated_at,e.lang)}</td>
                </tr>`)}</tbody>
            </table></div>`:o`<p class="muted" role="status">${e.queueEmpty}</p>`:o`<p role="status">${e.loading}</p>`}
      ${t&&(this.cursors.length||t.next_cursor)?o`<div class="row">
            <button ?disabled=${!this.cursors.length} @click=${()=>this.run(()=>this.loadQueue(this.cursors.pop()??""))}>${e.previous}</button>
            <button ?disabled=${!t.next_cursor} @click=${()=>(this.cursors=[...this.cursors,this.cursor],this.run(()=>this.loadQueue(t.next_cursor)))}>${e.next}</button>
          </div>`:l}
    </section>`}listingView(){let e=this.m,t=this.listing;if(!t)return o`<p role="status">${e.loading}</p>`;let i=t.revision?.content??t.content,a=this.compare===0?t.version>0?t.content:void 0:this.revisions.find(r=>r.number===this.compare)?.content;return o`<article part="review-listing" data-listing=${t.id}>
      <button class="link" @click=${()=>this.go({kind:"queue"})}>&larr; ${e.reviewQueue}</button>
      <div class="row spread">
        <div class="row">${A(i,this.api.origin)}<div><h2 tabindex="-1">${i.name}</h2>
          <div class="muted">${t.slug} &middot; ${e.by(t.developer_name)} (${t.team_id||"\u2014"}) &middot; ${t.kind==="app"?e.kindApp:e.kindIntegration}</div></div></div>
        <div class="row">${q(e,t.state)}${t.revision?o`<span class="muted">${e.revisionN(t.revision.number)}: ${w(e,t.revision.state)}</span>`:l}</div>
      </div>
      <p>${e.liveVersion(t.version)} &middot; ${e.installs(t.install_count)}</p>
      ${this.actions(t)}
      <section part="changes" aria-labelledby="rc-changes">
        <div class="row spread">
          <h3 id="rc-changes">${e.changes}</h3>
          <div><label for="rc-compare" class="inline">${e.compareWith}</label>
            <select id="rc-compare" @change=${r=>this.compare=Number(r.target.value)}>
              ${t.version>0?o`<option value="0" ?selected=${this.compare===0}>${e.liveContent}</option>`:o`<option value="-1" ?selected=${this.compare===-1}>${e.nothingBefore}</option>`}
              ${this.revisions.filter(r=>r.number!==t.revision?.number).map(r=>o`<option value=${r.number} ?selected=${this.compare===r.number}>${e.revisionN(r.number)} (${w(e,r.state)})</option>`)}
            </select></div>
        </div>
        ${Ge(e,a,i)}
      </section>
      <section aria-labelledby="rc-data">
        <h3 id="rc-data">${e.dataAccess}</h3>
        ${t.data_access?.length?o`<ul>${t.data_access.map(r=>o`<li><code>${r.scope}</code> ${r.description??""} — ${i.scope_justifications?.[r.scope]||r.justification||o`<strong class="error">${e.noJustification}</strong>`}</li>`)}</ul>`:o`<p class="muted">${e.noDataAccess}</p>`}
      </section>
      <details><summary>${e.renderedDescription}</summary><div class="description">${D(i.description_html??"")}</div></details>
      <section part="history" aria-labelledby="rc-history">
        <h3 id="rc-history">${e.conversation}</h3>
        ${$e(e,this.transitions)}
      </section>
      <section part="console-reviews" aria-labelledby="rc-reviews">
        <h3 id="rc-reviews">${e.reviews}</h3>
        ${this.reviews.length?l:o`<p class="muted">${e.noReviews}</p>`}
        <ul class="plain">${this.reviews.map(r=>o`<li data-review=${r.id}>
            <div class="row"><strong>${r.user_name||e.anonymous}</strong> <span>${e.starsN(r.rating)}</span>${r.hidden?o`<span class="badge error">${e.hiddenReview}</span> <span class="muted">${r.hidden_reason}</span>`:l}</div>
            <p>${r.body}</p>
            ${r.hidden?l:o`<form class="row" @submit=${d=>this.hide(d,r)}>
                  <label class="sr-only" for="hide-${r.id}">${e.hideReason}</label>
                  <input id="hide-${r.id}" name="reason" required placeholder=${e.hideReason} style="max-width:20rem" />
                  <button type="submit">${e.hideReview}</button>
                </form>`}
          </li>`)}</ul>
      </section>
    </article>`}actions(e){let t=this.m,i=e.revision?.state??(e.version===0?e.state:""),a=[];return i==="submitted"&&a.push(["start_review",t.workflowActions.start_review,!1]),(i==="submitted"||i==="in_review")&&a.push(["approve",t.workflowActions.approve,!1],["request_changes",t.workflowActions.request_changes,!0]),i==="approved"&&a.push(["publish",t.workflowActions.publish,!1]),(e.state==="published"||e.state==="unlisted")&&a.push(["suspend",t.workflowActions.suspend,!0]),e.state==="suspended"&&a.push(["reinstate",t.workflowActions.reinstate,!1]),a.length?o`<form part="decision" class="card" @submit=${r=>r.preventDefault()}>
      <label for="rc-note">${t.noteLabel}</label>
      <textarea id="rc-note" name="note" aria-describedby="rc-note-help ${this.noteError?"rc-note-error":""}" aria-invalid=${this.noteError?"true":"false"}></textarea>
      <div class="muted" id="rc-note-help">${t.noteHelp}</div>
      ${this.noteError?o`<div class="field-error" id="rc-note-error" role="alert">${this.noteError}</div>`:l}
      <div class="row">
        ${a.map(([r,d,c])=>o`<button type="button" data-action=${r}
          class=${r==="approve"||r==="publish"?"primary":r==="suspend"||r==="request_changes"?"danger":""}
          @click=${()=>this.decide(e,r,c)}>${d}</button>`)}
      </div>
    </form>`:o`<p class="muted">${t.nothingToDecide}</p>`}async decide(e,t,i){let a=this.renderRoot.querySelector("#rc-note"),r=a?.value.trim()??"";if(i&&!r){this.noteError=this.m.noteRequired,a?.focus();return}this.noteError="",await this.run(async()=>{await this.api.request("POST",`/marketplace/review/listings/${m(e.id)}/transitions`,{action:t,note:r}),a&&(a.value=""),await this.loadListing(e.id),this.emit("patchbay:listing-changed",{listing_id:e.id,action:t}),this.say(this.m.transitionDone(w(this.m,this.listing?.revision?.state??this.listing?.state??"")))})}async hide(e,t){e.preventDefault();let i=String(new FormData(e.target).get("reason")??"").trim();i&&await this.run(async()=>{let a=await this.api.request("POST",`/marketplace/review/reviews/${m(t.id)}/hide`,{body:i});this.reviews=this.reviews.map(r=>r.id===t.id?a:r),this.say(this.m.reviewHidden)})}};customElements.define("patchbay-review-console",ye);function Qe(){let n=document.documentElement.hasAttribute("data-patchbay-portal"),s=document.querySelector("patchbay-review-console[data-console]");if(!n&&!s)return;let t=new URLSearchParams(location.hash.slice(1)).get("token");if(location.hash&&history.replaceState(null,"",location.pathname+location.search),s){if(!t)return;document.getElementById("console-signin")?.remove(),s.hidden=!1,s.token=t;return}let i=document.querySelector("patchbay-webhooks, patchbay-connections, patchbay-authorized-apps, patchbay-marketplace, patchbay-developer");i&&t&&(i.token=t)}Qe();})();
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
lit-html/directive.js:
lit-html/directives/unsafe-html.js:
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
